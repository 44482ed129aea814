"""A pupil missing from the site (issue 17, seed 004 'Pupils missing from site') in a real browser at phone width.

A server of its own on the demo school, its clock at 10:00 on the suite's school day, with seed 002's policy plus
seed 004's `school_day.missing_from_site` (20 minutes) and seed 003's `end_of_day`. The attendance lead reports a
pupil missing from Today: the incident page shows the timer and no prompt to tell the parents. The server is then
restarted on the same database with its clock at 10:21: the page prompts the notification with a preview in the
family's words, and sending it emails the parents (through the outbox, to an SMTP sink on loopback). axe-core checks
the incident page before and after, and the end-of-day collection list, at phone and desktop widths.
"""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import LEAD, OFFICE, TODAY, go, h1, sign_in, submit_and_wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe
from test_policy_journeys import STAFF_WORDS, journey, seed_002, upload_policy  # noqa: F401 (journey is a fixture)

POLICY = seed_002(name="Seed 002 with seed 004's missing from site and seed 003's end of day", school_day={
    "missing_from_site": {"notify_parents_after_minutes": 20, "notify_linked_staff": True},
    "end_of_day": {"collect_by": "15:30", "social_services_at": "18:00"},
})


def _axe(browser, page: str) -> None:
    _, violations = axe_violations(browser)
    failing = [describe(page, v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, "\n".join(failing)


def _pupil_with_email_contacts(server) -> tuple[str, str, list[str]]:
    """A pupil of form RH whose parents have email addresses: (upn, forename, their addresses)."""
    status, pupils = server.api(LEAD, "GET", f"/api/v1/pupils?on_roll_on={TODAY}")
    assert status == 200, pupils
    for p in pupils:
        if p["form"] != "RH" or p.get("leaving_day"):
            continue
        status, contacts = server.api(LEAD, "GET", f"/api/v1/pupils/{p['upn']}/contacts")
        emails = [c["email"] for c in contacts if c.get("parental_responsibility") and c.get("email")] if status == 200 else []
        if emails:
            return p["upn"], p["name"].split()[0], emails
    raise AssertionError("no RH pupil with a parent's email address in the demo")


def test_missing_from_site_prompts_the_parents_after_20_minutes_and_sends_it(browser, desktop, journey):  # noqa: F811
    make, sink = journey
    server = make("missing")
    server.start(f"{TODAY}T10:00")
    upn, forename, emails = _pupil_with_email_contacts(server)
    status, register = server.api(OFFICE, "GET", f"/api/v1/registers/{TODAY}/AM?form=RH")
    assert status == 200, register
    status, body = server.api(OFFICE, "POST", f"/api/v1/registers/{TODAY}/AM",
                              {"form": "RH", "marks": [{"upn": p["upn"], "code": "/"} for p in register["pupils"]]})
    assert status == 200, body

    sign_in(browser, server, LEAD)
    upload_policy(browser, server, POLICY)
    go(browser, server, "/today")
    Select(browser.find_element(By.ID, "missing-upn")).select_by_value(upn)
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='missing-form']//button"))
    assert "/missing-incidents/" in browser.current_url, browser.page_source[:2000]
    path = browser.current_url.removeprefix(server.base_url)
    assert h1(browser).startswith("Missing from site"), h1(browser)
    assert browser.find_element(By.ID, "mi-minutes").text == "0"
    assert browser.find_elements(By.ID, "mi-not-yet") and not browser.find_elements(By.ID, "mi-send"), \
        "the parents are prompted before the policy's 20 minutes"
    _axe(browser, f"{path} at 0 minutes (phone)")

    # 21 minutes on: the same database, the server's clock at 10:21.
    server.restart(f"{TODAY}T10:21")
    go(browser, server, path)
    assert int(browser.find_element(By.ID, "mi-minutes").text) >= 21
    assert not browser.find_elements(By.ID, "mi-not-yet"), "no prompt to tell the parents after 21 minutes"
    prompts = [li.get_attribute("data-step") for li in browser.find_elements(By.CSS_SELECTOR, ".mi-prompts li")]
    assert "notify_parents" in prompts, prompts
    preview = browser.find_element(By.ID, "mi-preview").text
    assert forename in preview and not any(w in preview for w in STAFF_WORDS + ["Raised by", "social worker"]), preview
    recipients = browser.find_element(By.ID, "mi-recipients").text
    assert all(e in recipients for e in emails), recipients
    _axe(browser, f"{path} at 21 minutes with the notification's preview (phone)")
    submit_and_wait(browser, browser.find_element(By.ID, "mi-send"))
    assert "Sent through the outbox" in browser.page_source
    assert not browser.find_elements(By.ID, "mi-send"), "the notification can be sent twice"

    # The outbox delivers to the sink within seconds, in the family's words.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(sink.messages_to(e) for e in emails):
        time.sleep(0.5)
    for e in emails:
        got = sink.messages_to(e)
        assert got, f"nothing reached {e}:\n{server.log_tail(20)}"
        assert forename in got[-1].text and "Raised by" not in got[-1].text, got[-1].text

    go(browser, server, "/end-of-day")
    assert h1(browser).startswith("End of day"), h1(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "li.eod-line"), "the end-of-day list shows nobody in school"
    _axe(browser, "/end-of-day (phone)")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= 390, f"/end-of-day is {scroll} px wide on a phone"

    # The same pages at desktop width.
    sign_in(desktop, server, LEAD)
    for page in (path, "/end-of-day"):
        go(desktop, server, page)
        _axe(desktop, f"{page} (desktop)")
