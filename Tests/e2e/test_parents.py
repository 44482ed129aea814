"""The parent loop in a real browser: a parent reports an absence and the office accepts it; a parent asks for leave
and the head refuses it; a parent cannot see, or guess their way to, another family's child.

The demo has two parent accounts (listed on /parent/sign-in in demo mode), each for a different child of the first
form. The server's clock starts on Wednesday 2026-11-25 at 08:46.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import (PASSWORD, check_form_was_accepted, check_renders, go, h1, http_status, main_text, path_of, sign_in,
                     submit_and_wait, wait)

TOMORROW = "2026-11-26"


def demo_parents(browser, server) -> list[str]:
    go(browser, server, "/parent/sign-in")
    emails = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#main code") if "@" in c.text]
    assert len(emails) >= 2, f"the demo should list two parent accounts on /parent/sign-in:\n{main_text(browser)}"
    return emails


def parent_sign_in(browser, server, email: str) -> None:
    go(browser, server, "/parent/sign-in")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/parent/sign-in'] button[type=submit]"))
    check_form_was_accepted(browser)
    assert path_of(browser) == "/parent", f"signing in as {email} did not reach /parent:\n{main_text(browser)}"


def first_child(browser) -> tuple[str, str]:
    """(UPN, name) of the first child on the parent's home page."""
    card = browser.find_element(By.CSS_SELECTOR, "li.child")
    link = card.find_element(By.XPATH, ".//a[starts-with(normalize-space(), 'See attendance')]")
    upn = link.get_attribute("href").rstrip("/").split("/")[-1]
    return upn, card.find_element(By.TAG_NAME, "h2").text.split("\n")[0].rsplit(" ", 1)[0]


def fill_date(browser, field_id: str, iso: str) -> None:
    # Date inputs take typed digits in the browser's locale order; setting the value is locale-proof.
    browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.ID, field_id), iso)


def test_parent_reports_tomorrows_absence_on_a_phone_and_the_office_accepts_it(browser, desktop, server):
    email = demo_parents(browser, server)[0]
    parent_sign_in(browser, server, email)
    upn, name = first_child(browser)
    assert "has attended" in main_text(browser) and "the school's target is 96%" in main_text(browser)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390, "the parent's home page scrolls sideways on a phone"

    browser.find_element(By.XPATH, f"//a[@href='/parent/children/{upn}/report']").click()
    wait(browser).until(lambda d: path_of(d) == f"/parent/children/{upn}/report")
    check_renders(browser)
    fill_date(browser, browser.find_element(By.NAME, "from").get_attribute("id"), TOMORROW)
    Select(browser.find_element(By.NAME, "category")).select_by_value("medical")
    browser.find_element(By.NAME, "note").send_keys("Hospital appointment at 10:30")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#main form button[type=submit]"))
    check_form_was_accepted(browser)
    assert path_of(browser) == f"/parent/children/{upn}", main_text(browser)
    assert "The office has your report" in main_text(browser)
    assert "Waiting for the office" in main_text(browser)

    # The office sees it on Reports (and it sets no mark by itself), accepts it as M.
    sign_in(desktop, server, "office@harbourlane.example.org")
    go(desktop, server, "/reports")
    check_renders(desktop)
    card = desktop.find_element(By.XPATH, f"//a[@href='/pupils/{upn}']/ancestor::*[.//form[contains(@action, '/accept')]][1]"
                                          "[contains(., 'Hospital appointment at 10:30')]")
    accept = card.find_element(By.XPATH, ".//form[contains(@action, '/accept')]")
    assert Select(accept.find_element(By.NAME, "code")).first_selected_option.get_attribute("value") == "M", \
        "a medical appointment should be offered as M first"
    submit_and_wait(desktop, accept.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    check_form_was_accepted(desktop)
    assert "M (" in main_text(desktop) and "recorded for 2 sessions" in main_text(desktop), main_text(desktop)

    # The pupil page shows tomorrow's two sessions as M, and the report is no longer waiting.
    go(desktop, server, f"/pupils/{upn}")
    text = main_text(desktop)
    assert f"{TOMORROW} AM M" in text and f"{TOMORROW} PM M" in text, text
    assert "Reported by parents: to accept or decline" not in text

    # And the parent sees it recorded.
    go(browser, server, f"/parent/children/{upn}")
    assert "Recorded as leave of absence for a medical or dental appointment" in main_text(browser), main_text(browser)


def test_parent_asks_for_leave_the_head_refuses_and_the_parent_sees_the_refusal(browser, desktop, server):
    email = demo_parents(browser, server)[1]
    parent_sign_in(browser, server, email)
    upn, name = first_child(browser)
    go(browser, server, f"/parent/children/{upn}/leave")
    check_renders(browser)
    assert "14 days" in main_text(browser), "the page should say how much notice the policy needs"
    fill_date(browser, browser.find_element(By.NAME, "from").get_attribute("id"), "2026-12-14")
    fill_date(browser, browser.find_element(By.NAME, "to").get_attribute("id"), "2026-12-16")
    browser.find_element(By.NAME, "reason").send_keys("A family wedding abroad")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#main form button[type=submit]"))
    check_form_was_accepted(browser)
    assert path_of(browser) == f"/parent/children/{upn}", main_text(browser)
    assert "Waiting for the headteacher" in main_text(browser)

    sign_in(desktop, server, "head@harbourlane.example.org")
    go(desktop, server, "/leave")
    check_renders(desktop)
    row = desktop.find_element(By.XPATH, f"//tr[.//a[@href='/pupils/{upn}']][.//a[starts-with(@href, '/leave/')]]"
                                         "[contains(., 'A family wedding abroad')]")
    row.find_element(By.XPATH, ".//a[starts-with(@href, '/leave/')]").click()
    wait(desktop).until(lambda d: path_of(d).startswith("/leave/"))
    check_renders(desktop)
    text = main_text(desktop)
    assert "14 days" in text and "notice" in text, f"the decider should see the notice rule:\n{text}"
    reason = desktop.find_element(By.ID, "refuse-reason")
    reason.clear()
    reason.send_keys("A wedding is not an exceptional circumstance.")
    submit_and_wait(desktop, desktop.find_element(By.CSS_SELECTOR, "form[action$='/refuse'] button[type=submit]"))
    check_form_was_accepted(desktop)
    assert "Refused by Harriet Head" in main_text(desktop), main_text(desktop)

    go(browser, server, f"/parent/children/{upn}")
    text = main_text(browser)
    assert "Refused" in text and "A wedding is not an exceptional circumstance." in text, text

    # The decision went into the outbox, in writing, to the parent who asked.
    go(desktop, server, "/outbox")
    assert email in main_text(desktop) and "Leave decision" in main_text(desktop)


def test_a_parent_cannot_see_or_guess_another_familys_child(browser, server):
    a, b = demo_parents(browser, server)[:2]
    parent_sign_in(browser, server, b)
    other_upn, other_name = first_child(browser)
    go(browser, server, "/parent")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/parent/sign-out'] button"))

    parent_sign_in(browser, server, a)
    own_upn, _ = first_child(browser)
    assert own_upn != other_upn
    # Every child-scoped page, with the other family's child's UPN and with a made-up one: refused alike.
    for upn in (other_upn, "Z999999999999"):
        for suffix in ("", "/report", "/leave"):
            go(browser, server, f"/parent/children/{upn}{suffix}")
            assert http_status(browser) == 404, f"/parent/children/{upn}{suffix} answered {http_status(browser)}"
            assert other_name not in main_text(browser)
    # Posting a report or a leave request for the other child is refused too, and writes nothing.
    go(browser, server, f"/parent/children/{own_upn}/report")
    token = browser.find_element(By.NAME, "csrf").get_attribute("value")
    for suffix, body in (("/report", f"from={TOMORROW}&sessions=both&category=illness&note=x"),
                         ("/leave", "from=2026-12-14&to=2026-12-15&reason=x")):
        status = browser.execute_script("""
            const r = await fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                                                 body: arguments[1] + '&csrf=' + encodeURIComponent(arguments[2])});
            return r.status;""", f"/parent/children/{other_upn}{suffix}", body, token)
        assert status == 404, f"POST /parent/children/<other>{suffix} answered {status}"
    # Staff pages are not for parents.
    go(browser, server, f"/pupils/{other_upn}")
    assert path_of(browser) == "/", "a parent's session must not open a staff page"
