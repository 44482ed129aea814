"""Issue 17, truancy within minutes, on a phone: the teacher takes P1 (the registration period, so it gives the AM
marks) and P3 from "My lessons"; a pupil present at P1 and marked absent at P3 raises an "in school, not in lesson"
alert on the head of year's Today once the policy's minutes have passed, not before; the head of year resolves it as
truancy on Today, and the pupil page shows the alert resolved and the entry on the casework timeline.

Time is driven as in test_policy_journeys: one SQLite file, the server stopped and started again with a later `--now`.
The policy is seed 000's (registration at P1), with the demo's register times and `school_day.not_in_lesson`
telling the head of year after 5 minutes. The demo timetable: P1 9:00-10:00, P3 11:30-12:30, the demo teacher's form
a class of its own.
"""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By

from helpers import (LEAD, PHONE, REPO_ROOT, TEACHER, TEACHER_FORM, TODAY, check_form_was_accepted, go, h1, is_signed_in,
                     main_text, sign_in, sign_out, submit_and_wait)
from test_accessibility import FAILING_IMPACTS, axe_violations, describe
from test_policy_journeys import journey, upload_policy  # noqa: F401 (the fixture is used by name)

SEED_000 = REPO_ROOT / "Policies" / "seed-000-secondary.json"
YEAR_HEAD = "year.head@harbourlane.example.org"
MINUTES = 5
ALERTS = "In school, not in lesson"


def policy() -> dict:
    p = json.loads(SEED_000.read_text())
    p["name"] = "Seed 000 with the not-in-lesson alert"
    p["effective_from"] = "2026-09-01"
    p["register"]["am"] = {"opens": "8:45", "late_after": "8:55", "closes": "9:15"}
    p["register"]["pm"] = {"opens": "13:00", "late_after": "13:05", "closes": "13:15"}
    p["school_day"]["registration"] = {"am": "P1"}
    p["school_day"]["not_in_lesson"] = {"after_minutes": MINUTES, "notify": ["head_of_year"]}
    return p


def fits_the_phone(browser) -> None:
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= PHONE[0], f"{browser.current_url} is {scroll} px wide on a {PHONE[0]} px phone"


def as_user(browser, server, email: str) -> None:
    go(browser, server, "/today")
    if is_signed_in(browser):
        sign_out(browser)
    sign_in(browser, server, email)


def no_serious_violation(browser, page: str) -> None:
    _, violations = axe_violations(browser)
    failures = [describe(f"{page} (phone)", v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failures, "\n".join(failures)


def take_lesson(browser, server, period: str, absent: set[int]) -> list[tuple[str, str]]:
    """The teacher opens `period` from My lessons and marks each pupil present, or absent where the line's index is in
    `absent`; returns (upn, name) of each line."""
    go(browser, server, "/lessons")
    lesson = f"{period} {TEACHER_FORM}"
    browser.find_element(By.XPATH, f"//main//a[strong[normalize-space()='{lesson}']]").click()
    assert h1(browser).startswith(lesson), h1(browser)
    fits_the_phone(browser)
    lines = browser.find_elements(By.CSS_SELECTOR, "#lesson-register li.pupil")
    assert len(lines) >= 3, "the class has its pupils"
    pupils = []
    for i, li in enumerate(lines):
        link = li.find_element(By.CSS_SELECTOR, ".who a")
        pupils.append((link.get_attribute("href").rsplit("/", 1)[-1], link.text))
        li.find_element(By.CSS_SELECTOR, f"input[value='{'absent' if i in absent else 'present'}']").click()
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#lesson-register button[type=submit]"))
    check_form_was_accepted(browser)
    status = browser.find_element(By.CSS_SELECTOR, "p.ok[role=status]").text
    assert status.startswith("Saved"), status
    return pupils


def test_a_pupil_missing_from_p3_after_p1_reaches_the_head_of_year_within_minutes_and_is_resolved_as_truancy(browser, journey):  # noqa: F811
    make, _ = journey
    server = make("truancy")
    server.start(f"{TODAY}T09:05")
    sign_in(browser, server, LEAD)
    upload_policy(browser, server, policy())
    as_user(browser, server, TEACHER)
    pupils = take_lesson(browser, server, "P1", absent=set())
    # P1 is the registration: its marks are the AM marks.
    meta = browser.find_elements(By.CSS_SELECTOR, "#lesson-register li.pupil .meta")[0].text
    assert "AM /" in meta, meta
    upn, name = pupils[0]

    # P3 begins at 11:30: the teacher marks the first pupil absent, the rest present.
    server.restart(f"{TODAY}T11:31")
    as_user(browser, server, TEACHER)
    take_lesson(browser, server, "P3", absent={0})
    as_user(browser, server, YEAR_HEAD)
    assert ALERTS not in main_text(browser), f"an alert before {MINUTES} minutes had passed:\n{main_text(browser)[:800]}"

    # Once the policy's minutes have passed since P3 began, the head of year's Today says so.
    server.restart(f"{TODAY}T11:{30 + MINUTES + 1}")
    as_user(browser, server, YEAR_HEAD)
    assert h1(browser).startswith("Today")
    fits_the_phone(browser)
    section = browser.find_element(By.XPATH, f"//section[h2[normalize-space()='{ALERTS}']]")
    alert = section.find_element(By.XPATH, f".//li[a[@href='/pupils/{upn}']]")
    assert f"P3 {TEACHER_FORM}" in alert.text and "last seen present in P1" in alert.text, alert.text
    no_serious_violation(browser, "Today with an alert to resolve")
    alert.find_element(By.CSS_SELECTOR, "input[value='truancy']").click()
    alert.find_element(By.CSS_SELECTOR, "input[name='note']").send_keys("Found in the library")
    submit_and_wait(browser, alert.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    check_form_was_accepted(browser)
    status = browser.find_element(By.CSS_SELECTOR, "p.ok[role=status]").text
    assert f"{name} not in P3 {TEACHER_FORM}: resolved as truancy" in status, status
    assert not browser.find_elements(By.XPATH, f"//section[h2[normalize-space()='{ALERTS}']]//a[@href='/pupils/{upn}']")

    # The pupil page: the alert resolved, by whom, and the entry on the casework timeline.
    go(browser, server, f"/pupils/{upn}")
    fits_the_phone(browser)
    alerts = browser.find_element(By.ID, "lesson-alerts").text
    assert "Resolved as truancy by Yara Yearhead, Head of Year (pastoral)" in alerts and "Found in the library" in alerts, alerts
    timeline = browser.find_element(By.ID, "timeline").text
    assert f"Not in P3 {TEACHER_FORM} while in school: resolved as truancy" in timeline, timeline[:1500]
    no_serious_violation(browser, "a pupil page with a resolved alert")
