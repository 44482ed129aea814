"""Rollbook's staff pages in a real browser (headless Chromium) against `rollbook serve --demo` on a fixed clock:
Wednesday 2026-11-25, from 08:46 (see conftest.py). Signing in and out, the sign-in page, Today, and the phone layout.
The journeys the issue names (taking a register, the late book, amending, refusals) are in test_journeys.py.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import time
import urllib.parse
import urllib.request
from urllib.parse import urlparse

from selenium.webdriver.common.by import By

from helpers import (A11Y_FORM, ALL_ACCOUNTS, DOMAIN, FORMS, GOVERNOR_N_FORM, LATE_BOOK_FORM, OFFICE, PASSWORD,
                     PREVIOUS_SCHOOL_DAY, READ_ONLY_FORM, TEACHER_FORM, TODAY, TODAY_HEADING, figures, fill_sign_in, go,
                     h1, is_signed_in, main_text, path_of, sign_in, sign_out, signed_in_as, today_rows)

PHONE_WIDTH = 390


def sign_in_status_with_split_body(server) -> int:
    """Posts a wrong password to /sign-in with the form's body sent in two pieces, as browsers sometimes do."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url("/"), timeout=10).read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    body = urllib.parse.urlencode({"csrf": token, "email": "nobody@example.org", "password": "wrong", "next": "/today"}).encode()
    host, port = urlparse(server.base_url).hostname, urlparse(server.base_url).port
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall((f"POST /sign-in HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
                   f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                   "Connection: close\r\n\r\n").encode())
        for piece in (body[:10], body[10:]):
            time.sleep(0.2)
            s.sendall(piece)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def test_a_form_body_in_two_pieces_is_read_whole(server):
    status = sign_in_status_with_split_body(server)
    assert status == 401, (f"a wrong password sent in two TCP pieces got {status}: the CSRF check must read the whole "
                           "body (401 for the password), not refuse the form as expired (403)")


def test_home_page_explains_rollbook_and_lists_demo_accounts(browser, server):
    go(browser, server, "/")
    assert browser.title.endswith("Rollbook"), f"the home page's title is {browser.title!r}"
    assert browser.find_element(By.CSS_SELECTOR, ".intro h1").text == "Rollbook"
    lead = browser.find_element(By.CSS_SELECTOR, ".intro .lead").text
    assert "attendance register" in lead, f"the home page's lead paragraph does not say what Rollbook is: {lead!r}"
    demo = browser.find_element(By.CSS_SELECTOR, "section.demo")
    assert PASSWORD in demo.text, f"the demo accounts section does not give the password:\n{demo.text}"
    emails = [c.text for c in demo.find_elements(By.CSS_SELECTOR, "tbody td code")]
    assert emails == [f"{a}@{DOMAIN}" for a in ALL_ACCOUNTS], f"the demo accounts listed are {emails}"
    # The sign-in form is there and nobody is signed in.
    assert browser.find_element(By.ID, "email").get_attribute("type") == "email"
    assert browser.find_element(By.ID, "password").get_attribute("type") == "password"
    assert not is_signed_in(browser), "the home page shows a signed-in header to a new browser"


def test_wrong_password_shows_an_error_and_stays_signed_out(browser, server):
    go(browser, server, "/")
    fill_sign_in(browser, server, OFFICE, "not-the-password")
    error = browser.find_element(By.CSS_SELECTOR, ".signin .error")
    assert "do not match" in error.text, f"the sign-in error says {error.text!r}"
    assert error.get_attribute("role") == "alert", "the sign-in error is not announced (role=alert)"
    assert not is_signed_in(browser), "a wrong password signed the browser in"
    # The sign-in form is shown again, and /today still needs a sign-in.
    assert browser.find_elements(By.ID, "email"), "the sign-in form is not shown again after a wrong password"
    go(browser, server, "/today")
    assert path_of(browser) == "/", f"/today without a sign-in went to {browser.current_url}, not the sign-in page"
    assert not is_signed_in(browser)


def test_office_signs_in_and_sees_every_register_of_the_session_open(browser, server):
    server.require_before("9:15", "every AM register must still be open")
    sign_in(browser, server, OFFICE)
    assert path_of(browser) == "/today", f"signing in went to {browser.current_url}, not /today"
    assert "Olu Office" in signed_in_as(browser), f"the header says {signed_in_as(browser)!r}"
    assert h1(browser) == TODAY_HEADING, f"Today's heading is {h1(browser)!r}, not {TODAY_HEADING!r}"
    text = main_text(browser)
    assert "The school is closed today" not in text, "Wednesday 2026-11-25 is a school day in the demo calendar"
    numbers = figures(browser)
    for label in ("present on time", "late (L)", "absent"):
        assert label in numbers and re.fullmatch(r"\d+", numbers[label]), f"Today's figures lack a '{label}' count: {numbers}"
    this_year = [n for words, n in numbers.items() if words.startswith("attendance this year")]
    assert this_year and re.fullmatch(r"\d+\.\d%", this_year[0]), f"Today has no 'attendance this year' percentage: {numbers}"

    rows = today_rows(browser)
    assert list(rows) == FORMS, f"Today lists the registers {list(rows)}, not every form of the school in order {FORMS}"
    for form, row in rows.items():
        assert row["href"].endswith(f"/registers/{TODAY}/AM?form={form}"), f"{form}'s register links to {row['href']}"
        total = re.fullmatch(r"(\d+) of (\d+)", row["marked"])
        assert total and int(total.group(2)) > 0, f"{form}'s row says {row['marked']!r} marked, not 'k of n' pupils"
        if form in (TEACHER_FORM, LATE_BOOK_FORM, GOVERNOR_N_FORM, A11Y_FORM):
            # Other tests mark pupils in these forms today; their registers are open, or taken once complete.
            expected = "taken" if total.group(1) == total.group(2) else "open"
            assert row["state"] == expected, f"{form} has {row['marked']} marked but its state is {row['state']!r}"
        else:
            assert (row["state"], total.group(1)) == ("open", "0"), \
                f"at 08:4x every register is open and unmarked; {form}'s row says {row['state']!r}, {row['marked']!r}"
    headings = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#main h2")]
    assert "Absent with no reason yet (day-1 calls)" in headings, f"Today has no day-1 list; its sections are {headings}"


def test_sign_out(browser, server):
    sign_in(browser, server, OFFICE)
    sign_out(browser)
    assert path_of(browser) == "/", f"signing out went to {browser.current_url}, not the sign-in page"
    assert browser.find_elements(By.ID, "email"), "the sign-in form is not shown after signing out"
    assert not is_signed_in(browser), "the header still shows a signed-in user after signing out"
    go(browser, server, "/today")
    assert path_of(browser) == "/", f"/today after signing out went to {browser.current_url}, not the sign-in page"
    assert not is_signed_in(browser)


def test_pages_fit_a_phone_without_horizontal_scrolling(browser, server):
    sign_in(browser, server, OFFICE)
    go(browser, server, "/lists")
    pupil = browser.find_element(By.CSS_SELECTOR, 'table.list a[href^="/pupils/"]').get_attribute("href")
    paths = ["/today", f"/registers/{TODAY}/AM?form={READ_ONLY_FORM}", f"/registers/{PREVIOUS_SCHOOL_DAY}/AM?form={READ_ONLY_FORM}",
             "/pupils?q=a", "/lists", "/registers/missing", pupil.replace(server.base_url, "")]
    too_wide = []
    for path in paths:
        go(browser, server, path)
        inner = browser.execute_script("return window.innerWidth")
        assert inner == PHONE_WIDTH, f"the viewport is {inner} px wide, not a {PHONE_WIDTH} px phone"
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        if scroll > inner + 1:
            wide = browser.execute_script(
                "const w = window.innerWidth + 1; return Array.from(document.querySelectorAll('#main *, header *'))"
                ".filter(e => e.getBoundingClientRect().right > w)"
                ".map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className.split(' ').join('.') : ''))")
            too_wide.append(f"{path} is {scroll} px wide in a {inner} px window, so it scrolls sideways; too wide: {wide[:8]}")
    sign_out(browser)
    go(browser, server, "/")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    if scroll > PHONE_WIDTH + 1:
        too_wide.append(f"the signed-out home page is {scroll} px wide")
    assert not too_wide, "\n".join(too_wide)
