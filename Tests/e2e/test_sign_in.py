"""Reception sign-in for late arrivals (issue 17) in real browsers: a tablet kiosk and the office's phone.

A server of its own (the demo school at 9:40, after the primary AM register closed at 9:15). A pupil of form RH is
given card 40001234 through the API. On a tablet-sized kiosk the card is typed as a reader does (digits, then Enter),
the pupil is signed in with a reason and a slip: the slip shows U, and "Next pupil" returns to an empty search. On a
phone the office finds another pupil by typing part of a name (the search as you type) and signs them in. Both marks
are U in the register. axe-core checks the kiosk, the chosen pupil, the slip and the phone page.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import _chrome_options
from helpers import OFFICE, TODAY, RollbookProcess, api_call, fill_sign_in, h1, rollbook_binary, wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe

NOW = f"{TODAY}T09:40"
CARD = "40001234"


class _SignInProcess(RollbookProcess):
    """The demo at 9:40 rather than the suite's 8:46."""

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(rollbook_binary()), "serve", "--demo", "--port", str(self.port), "--bcrypt-cost", "4", "--now", NOW,
             *self.database_args],
            cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()


@pytest.fixture(scope="module")
def school():
    with tempfile.TemporaryDirectory(prefix="rollbook-signin-") as tmp:
        workdir = Path(tmp)
        process = _SignInProcess(workdir, sqlite=workdir / "school.sqlite")
        process.start()
        try:
            process.wait_ready()
            token = process.token(OFFICE)
            status, register = api_call(process.base_url, token, "GET", f"/api/v1/registers/{TODAY}/AM?form=RH")
            assert status == 200, register
            pupils = [(p["upn"], p["name"]) for p in register["pupils"]]
            status, body = api_call(process.base_url, token, "PUT", f"/api/v1/pupils/{pupils[0][0]}/card", {"card_number": CARD})
            assert status == 200 and body["card_number"] == CARD, body
            yield process, token, pupils
        finally:
            process.stop()


def _browser(width: int, height: int, phone: bool):
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")),
                              options=_chrome_options(phone=phone))
    if not phone:
        driver.set_window_size(width, height)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def _axe(driver, page: str) -> None:
    _, violations = axe_violations(driver)
    failing = [describe(page, v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, "\n".join(failing)
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    width = driver.execute_script("return window.innerWidth")
    assert scroll <= width, f"{page} is {scroll} px wide in a {width} px window"


def _am_code(server, token, upn: str) -> str | None:
    status, register = api_call(server.base_url, token, "GET", f"/api/v1/registers/{TODAY}/AM?form=RH")
    assert status == 200, register
    return next(p.get("code") for p in register["pupils"] if p["upn"] == upn)


def test_the_office_signs_a_pupil_in_by_card_after_the_register_closed_sees_u_and_prints_the_slip(school):
    server, token, pupils = school
    (upn, name), (other_upn, other_name) = pupils[0], pupils[1]
    tablet = _browser(820, 1180, phone=False)
    try:
        fill_sign_in(tablet, server, OFFICE, "rollbook-demo")
        tablet.get(server.url("/late-sign-in?kiosk=1"))
        assert h1(tablet).startswith("Late sign-in")
        assert not tablet.find_elements(By.CSS_SELECTOR, "nav"), "the kiosk shows no menu"
        _axe(tablet, "kiosk search (tablet)")
        # A card reader types the number and Enter.
        tablet.find_element(By.ID, "sign-in-q").send_keys(CARD + Keys.ENTER)
        wait(tablet).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".sign-in-pupil h2"))
        assert name in tablet.find_element(By.CSS_SELECTOR, ".sign-in-pupil h2").text
        assert other_name not in tablet.page_source
        _axe(tablet, "kiosk, the pupil found (tablet)")
        Select(tablet.find_element(By.ID, "sign-in-reason")).select_by_visible_text("Overslept")
        tablet.find_element(By.CSS_SELECTOR, "label[for=sign-in-slip]").click()
        tablet.find_element(By.CSS_SELECTOR, ".sign-in-pupil button[type=submit]").click()
        wait(tablet).until(lambda d: "/late-sign-in/slip/" in d.current_url)
        slip = tablet.find_element(By.CSS_SELECTOR, ".slip").text
        assert name in slip and "RH" in slip and "Overslept" in slip and "U" in slip.split("Mark")[1], slip
        _axe(tablet, "late slip (tablet)")
        assert _am_code(server, token, upn) == "U"
        tablet.find_element(By.LINK_TEXT, "Next pupil").click()
        wait(tablet).until(lambda d: d.find_elements(By.ID, "sign-in-q"))
        assert tablet.find_element(By.ID, "sign-in-q").get_attribute("value") == ""
    finally:
        tablet.quit()

    phone = _browser(390, 844, phone=True)
    try:
        fill_sign_in(phone, server, OFFICE, "rollbook-demo")
        phone.get(server.url("/late-sign-in"))
        # Search as you type: part of the surname, no Enter.
        phone.find_element(By.ID, "sign-in-q").send_keys(other_name.split()[-1][:4])
        link = f"#sign-in-results a[href*='{other_upn}']"
        wait(phone).until(lambda d: d.find_elements(By.CSS_SELECTOR, link))
        _axe(phone, "late sign-in search (phone)")
        phone.find_element(By.CSS_SELECTOR, link).click()
        wait(phone).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".sign-in-pupil h2"))
        phone.find_element(By.CSS_SELECTOR, ".sign-in-pupil button[type=submit]").click()
        wait(phone).until(lambda d: "signed in at" in d.page_source)
        assert f"{other_name} (RH) signed in at" in phone.page_source and ": U," in phone.page_source
        _axe(phone, "late sign-in after signing in (phone)")
        assert _am_code(server, token, other_upn) == "U"
    finally:
        phone.quit()
