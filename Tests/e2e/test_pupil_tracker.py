"""A pupil's own attendance tracker (seed 000 §3.2): the office invites a pupil, the pupil chooses a password on a
phone and sees their own attendance in plain words; the demo pupil signs in and out; axe at phone and desktop."""

from __future__ import annotations

import html
import re

from selenium.webdriver.common.by import By

from helpers import (DOMAIN, OFFICE, PASSWORD, PHONE, PREVIOUS_SCHOOL_DAY, READ_ONLY_FORM,
                     HttpUser, go, h1, path_of, submit_and_wait)

PUPIL = f"pupil@{DOMAIN}"  # the demo pupil with a tracker account


def fits_the_phone(browser) -> None:
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= PHONE[0], f"{browser.current_url} is {scroll} px wide on a {PHONE[0]} px phone"


def test_a_pupil_invited_by_the_office_chooses_a_password_and_sees_their_own_tracker_on_a_phone(browser, server):
    office = HttpUser(server, OFFICE)
    register = office.get(f"/registers/{PREVIOUS_SCHOOL_DAY}/AM?form={READ_ONLY_FORM}")
    upn = re.findall(r'href="/pupils/([^"]+)"', register)[1]
    status, page = office.post(f"/pupils/{upn}", f"/pupils/{upn}/pupil-account", {"email": f"tracker.{upn.lower()}@pupils.example.org"})
    assert status == 200 and "Invitation to the attendance tracker queued" in page, f"the invitation failed ({status})"
    link = re.search(r"Demo: the link is \S*?(/pupil/invitation/rb_[A-Za-z0-9_-]+)", html.unescape(page))
    assert link, "the demo shows no invitation link"

    go(browser, server, link.group(1))
    assert h1(browser) == "Choose your password"
    fits_the_phone(browser)
    browser.find_element(By.ID, "password").send_keys("kite-harbour-42")
    browser.find_element(By.ID, "confirm").send_keys("kite-harbour-42")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#main form button[type=submit]"))
    assert path_of(browser) == "/pupil"
    assert h1(browser) == "My attendance"
    fits_the_phone(browser)
    headline = browser.find_element(By.ID, "tracker-headline").text
    assert re.fullmatch(r"You have been in school \d+ out of \d+ times this year\.", headline), headline
    assert "target is 96%" in browser.find_element(By.ID, "tracker-target").text
    weeks = browser.find_elements(By.CSS_SELECTOR, ".tracker-weeks li")
    assert 1 <= len(weeks) <= 8 and all(re.search(r"In school \d+ out of \d+ times|No school", w.text) for w in weeks)
    main = browser.find_element(By.ID, "main").text
    for staff_only in ("Unauthorised", "Worklist", "Contacts", "Casework"):
        assert staff_only not in main, f"the tracker shows '{staff_only}'"

    # Staff pages stay shut to the pupil's session.
    go(browser, server, f"/pupils/{upn}")
    assert path_of(browser) == "/", path_of(browser)


def test_the_demo_pupil_signs_in_on_a_phone_and_out_again(browser, server):
    go(browser, server, "/pupil")
    assert path_of(browser) == "/pupil/sign-in"
    assert PUPIL in browser.find_element(By.ID, "main").text
    browser.find_element(By.ID, "email").send_keys(PUPIL)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/pupil/sign-in'] button"))
    assert path_of(browser) == "/pupil" and h1(browser) == "My attendance"
    assert browser.find_element(By.ID, "tracker-week").text.startswith("Your latest week")
    fits_the_phone(browser)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/pupil/sign-out'] button"))
    assert path_of(browser) == "/pupil/sign-in"
