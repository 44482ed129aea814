"""Marking a group at once (issue 18) in a real browser at phone width.

A server of its own on the demo school at 10:00 on the suite's school day. The office chooses a form on /group-marks,
a trip (V) for tomorrow morning and afternoon with its reason, previews it (every pupil listed, nothing written yet,
checked through the API), then confirms: every pupil of the form on roll has V on both sessions with the reason. A
recurring Tuesday-afternoon K is added on a pupil's patterns page and ended there. axe-core checks each page.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import OFFICE, TODAY, go, h1, main_text, sign_in, submit_and_wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe
from test_policy_journeys import journey  # noqa: F401 (a fixture)

TOMORROW = "2026-11-26"  # Thursday
FORM = "2H"
REASON = "Year 2 trip to the aquarium"


def _axe(browser, page: str) -> None:
    _, violations = axe_violations(browser)
    failing = [describe(page, v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, "\n".join(failing)


def _marks(server, upn: str) -> dict[str, str]:
    status, marks = server.api(OFFICE, "GET", f"/api/v1/pupils/{upn}/marks?from={TOMORROW}&to={TOMORROW}")
    assert status == 200, marks
    return {m["session"]: m["code"] for m in marks}


def test_the_office_previews_and_confirms_a_trip_for_a_form(browser, journey):  # noqa: F811
    make, _ = journey
    server = make("group-marks")
    server.start(f"{TODAY}T10:00")
    status, register = server.api(OFFICE, "GET", f"/api/v1/registers/{TOMORROW}/AM?form={FORM}")
    assert status == 200, register
    upns = [p["upn"] for p in register["pupils"] if p["session_open"]]
    assert upns, f"form {FORM} has no pupil on roll tomorrow"

    sign_in(browser, server, OFFICE)
    go(browser, server, "/group-marks")
    assert h1(browser) == "Mark a group"
    _axe(browser, "/group-marks (phone)")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= 390, f"/group-marks is {scroll} px wide on a phone"

    browser.find_element(By.ID, "who-form").click()
    Select(browser.find_element(By.ID, "group-form-name")).select_by_value(FORM)
    for field, value in (("group-from", TOMORROW), ("group-to", TOMORROW)):
        el = browser.find_element(By.ID, field)
        browser.execute_script("arguments[0].value = arguments[1]", el, value)
    Select(browser.find_element(By.ID, "group-sessions")).select_by_value("both")
    Select(browser.find_element(By.ID, "group-code")).select_by_value("V")
    browser.find_element(By.ID, "group-reason").send_keys(REASON)
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='group-form']//button[@type='submit']"))

    preview = browser.find_element(By.ID, "group-preview").text
    assert f"Preview: V for form {FORM}" in preview, preview
    assert f"{2 * len(upns)} new marks" in " ".join(preview.split()), preview
    assert "Nothing has been written yet" in preview
    _axe(browser, "/group-marks preview (phone)")
    # The preview wrote nothing.
    assert all(_marks(server, upn) == {} for upn in upns)

    submit_and_wait(browser, browser.find_element(By.ID, "confirm-group"))
    text = main_text(browser)
    assert f"V for form {FORM}: {2 * len(upns)} written" in text, text[:1500]
    for upn in upns:
        assert _marks(server, upn) == {"AM": "V", "PM": "V"}, upn
    status, marks = server.api(OFFICE, "GET", f"/api/v1/pupils/{upns[0]}/marks?from={TOMORROW}&to={TOMORROW}")
    assert all(m.get("recorded_by") for m in marks), marks

    # A recurring pattern on the first pupil's page, then ended (kept, with who ended it).
    go(browser, server, f"/pupils/{upns[0]}/patterns")
    assert h1(browser).startswith("Recurring patterns")
    _axe(browser, "/pupils/:upn/patterns (phone)")
    browser.find_element(By.ID, "day-2").click()
    Select(browser.find_element(By.ID, "pattern-sessions")).select_by_value("pm")
    Select(browser.find_element(By.ID, "pattern-code")).select_by_value("K")
    browser.find_element(By.ID, "pattern-note").send_keys("Riverside Learning Centre")
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='pattern-form']//button[@type='submit']"))
    text = main_text(browser)
    assert "K every Tuesday afternoon" in text and "Riverside Learning Centre" in text, text[:1500]
    submit_and_wait(browser, browser.find_element(By.XPATH, "//ul[@class='patterns']//button"))
    assert "Pattern ended" in main_text(browser) and "Ended by" in main_text(browser)
    _axe(browser, "/pupils/:upn/patterns after ending (phone)")
