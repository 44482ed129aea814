"""Who may collect (issue 17, seed 003) in a real browser at phone width: the office signs a Year 4 pupil out.

A server of its own (the demo school at 8:46) with seed 003's policy (school_day.collection: collectors on the
contact list, over 18; walking alone only Years 5 and 6 with a letter; not allowed is refused) and seed 004's
lunchtime leave. The demo gives the Year 4 pupil with the highest UPN a grandmother on their contact list. Signing
them out to a person not on the list is refused, naming the reason, and nothing is recorded; to their grandmother it
is allowed. A lunchtime leave permission is recorded on the pupil page, and the pupil appears on the lunchtime leave
register. axe-core checks the pupil page and the register at phone width.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import _chrome_options
from helpers import OFFICE, PASSWORD, REPO_ROOT, RollbookProcess, api_call, check_form_was_accepted, fill_sign_in, go, h1, \
    main_text, set_time, submit_and_wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe

SEED_003 = REPO_ROOT / "Policies" / "seed-003-primary.json"


@pytest.fixture(scope="module")
def school():
    with tempfile.TemporaryDirectory(prefix="rollbook-collection-") as tmp:
        workdir = Path(tmp)
        process = RollbookProcess(workdir, sqlite=workdir / "school.sqlite")
        process.start()
        try:
            process.wait_ready()
            # Seed 003's policy in force from the demo's year, with a lunchtime leave register for everyone.
            policy = json.loads(SEED_003.read_text())
            policy["name"] = "Harbour Lane collection test policy (seed 003)"
            policy["effective_from"] = "2026-09-01"
            policy["register"]["am"] = {"opens": "8:45", "late_after": "8:55", "closes": "9:15"}
            policy["school_day"]["lunchtime_leave"] = {
                "lunches": [{"year_groups": [], "start": "12:00", "end": "13:00"}],
                "leave_within_minutes": 10, "back_minutes_before_end": 5}
            path = workdir / "policy.json"
            path.write_text(json.dumps(policy, indent=1))
            process.cli("policy", "import", str(path), *process.database_args)
            token = process.token(OFFICE)
            status, pupils = api_call(process.base_url, token, "GET", "/api/v1/pupils?year_group=4")
            assert status == 200 and pupils, pupils
            upn = max(p["upn"] for p in pupils)
            status, contacts = api_call(process.base_url, token, "GET", f"/api/v1/pupils/{upn}/contacts")
            assert status == 200, contacts
            items = contacts if isinstance(contacts, list) else contacts.get("contacts", [])
            grandmother = next(c["name"] for c in items if c["relationship"] == "Grandmother")
            yield process, token, upn, grandmother
        finally:
            process.stop()


@pytest.fixture()
def phone():
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")),
                              options=_chrome_options(phone=True))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _axe(driver, page: str) -> None:
    _, violations = axe_violations(driver)
    failing = [describe(page, v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, "\n".join(failing)


def _sign_out(phone, server, upn: str, collector: str) -> None:
    go(phone, server, f"/pupils/{upn}")
    form = phone.find_element(By.CSS_SELECTOR, f"form[action='/pupils/{upn}/sign-out']")
    set_time(phone, form.find_element(By.ID, "sign-out-time"), "14:30")
    form.find_element(By.ID, "sign-out-reason").send_keys("Dentist")
    form.find_element(By.ID, "sign-out-collector").send_keys(collector)
    submit_and_wait(phone, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    check_form_was_accepted(phone)


def test_signing_out_to_a_stranger_is_refused_and_to_the_grandmother_allowed(school, phone):
    server, token, upn, grandmother = school
    fill_sign_in(phone, server, OFFICE, PASSWORD)
    go(phone, server, f"/pupils/{upn}")
    assert phone.find_elements(By.ID, "permissions"), "the office's pupil page has no Permissions card"
    _axe(phone, f"pupil page with permissions /pupils/{upn}")

    _sign_out(phone, server, upn, "Harold Pike")
    text = main_text(phone)
    assert "Harold Pike is not on" in text and "contact list" in text, text[:800]
    go(phone, server, f"/pupils/{upn}")
    assert "Signed out today" not in main_text(phone), "a refused sign-out was recorded"

    _sign_out(phone, server, upn, grandmother)
    text = main_text(phone)
    assert "Signed out at 14:30" in text and f"with {grandmother}" in text, text[:1500]


def test_lunchtime_leave_recorded_on_the_pupil_page_shows_on_the_register(school, phone):
    server, token, upn, _ = school
    status, pupils = api_call(server.base_url, token, "GET", "/api/v1/pupils?year_group=6")
    assert status == 200 and pupils, pupils
    year6 = min(p["upn"] for p in pupils)
    fill_sign_in(phone, server, OFFICE, PASSWORD)
    go(phone, server, f"/pupils/{year6}")
    form = phone.find_element(By.CSS_SELECTOR, f"form[action='/pupils/{year6}/permissions']")
    Select(form.find_element(By.ID, "permission-kind")).select_by_value("lunchtime_leave")
    submit_and_wait(phone, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    check_form_was_accepted(phone)
    assert "Permission recorded: Lunchtime leave (written permission)" in main_text(phone)
    go(phone, server, "/lunchtime")
    assert h1(phone).startswith("Lunchtime leave")
    assert phone.find_elements(By.ID, f"lunch-{year6}"), "the pupil with lunchtime leave is not on the register"
    assert "leave by 12:10, back by 12:55" in main_text(phone)
    _axe(phone, "Lunchtime leave /lunchtime")
