"""Issue 17: the timetable and lesson registers. The demo school has a one-week timetable (each form a class, five
lessons a day); the teacher takes a lesson's register from "My lessons" on a phone, one tap per pupil, and the head
sees the timetable page. axe on the new pages at phone and desktop widths."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from helpers import HEAD, PHONE, TEACHER, TEACHER_FORM, TODAY, go, h1, path_of, sign_in, submit_and_wait, switch_user
from test_accessibility import FAILING_IMPACTS, axe_violations, describe


def fits_the_phone(browser) -> None:
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= PHONE[0], f"{browser.current_url} is {scroll} px wide on a {PHONE[0]} px phone"


def test_a_teacher_takes_a_lesson_register_from_my_lessons_on_a_phone(browser, server):
    sign_in(browser, server, TEACHER)
    go(browser, server, "/lessons")
    assert h1(browser).startswith("My lessons")
    fits_the_phone(browser)
    lesson = f"P2 {TEACHER_FORM}"
    link = browser.find_element(By.XPATH, f"//main//a[strong[normalize-space()='{lesson}']]")
    link.click()
    assert h1(browser).startswith(lesson), h1(browser)
    assert path_of(browser) == f"/lessons/{TODAY}/P2%20{TEACHER_FORM}"
    fits_the_phone(browser)
    pupils = browser.find_elements(By.CSS_SELECTOR, "#lesson-register li.pupil")
    assert len(pupils) >= 5, "the class has its pupils"
    assert all("AM " in p.text for p in pupils), "each pupil shows their AM mark"
    # One tap each: everyone present but the first, who is absent.
    for i, p in enumerate(pupils):
        choice = "absent" if i == 0 else "present"
        p.find_element(By.CSS_SELECTOR, f"input[value='{choice}']").click()
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#lesson-register button[type=submit]"))
    status = browser.find_element(By.CSS_SELECTOR, "p.ok[role=status]").text
    assert status.startswith(f"Saved: {len(pupils)} new"), status
    assert "Marked N" in browser.find_elements(By.CSS_SELECTOR, "#lesson-register li.pupil")[0].text
    go(browser, server, "/lessons")
    row = browser.find_element(By.XPATH, f"//main//li[a/strong[normalize-space()='{lesson}']]")
    assert "Taken" in row.text, row.text


def test_the_timetable_and_lesson_pages_have_no_serious_or_critical_violation(any_browser, server):
    browser = any_browser
    failures: list[str] = []
    checked = []

    def check(page: str) -> None:
        _, violations = axe_violations(browser)
        checked.append(page)
        failures.extend(describe(f"{page} ({browser.rollbook_width})", v) for v in violations if v["impact"] in FAILING_IMPACTS)

    sign_in(browser, server, TEACHER)
    go(browser, server, "/lessons")
    check("My lessons")
    go(browser, server, f"/lessons/{TODAY}/P4%20{TEACHER_FORM}")
    assert h1(browser).startswith(f"P4 {TEACHER_FORM}")
    check("a lesson register")
    switch_user(browser, server, HEAD)
    go(browser, server, "/timetable")
    assert h1(browser) == "Timetable"
    assert "of the one-week cycle" in browser.find_element(By.ID, "main").text
    check("Timetable")
    go(browser, server, "/lessons?all=1")
    check("every lesson (cover)")
    assert len(checked) == 4
    assert not failures, "\n".join(failures)
