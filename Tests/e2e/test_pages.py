"""Rollbook's staff pages in a real browser (headless Chromium, phone-sized) against `rollbook serve --demo`.

The demo server runs on the real clock, so "today" may be a school day (registers to take) or a weekend or
holiday (the school is closed); each test accepts either where the page legitimately differs.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import socket
import time
import urllib.parse
import urllib.request
from urllib.parse import urlparse

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

DOMAIN = "harbourlane.example.org"
PASSWORD = "rollbook-demo"
OFFICE = f"office@{DOMAIN}"
TEACHER = f"teacher@{DOMAIN}"
GOVERNOR = f"governor@{DOMAIN}"
ALL_ACCOUNTS = ["teacher", "office", "lead", "head", "governor", "la"]
CLOSED_TEXT = "The school is closed today"
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
    # The CSRF check must read the whole body: a wrong password is 401, not 403 "The form had expired".
    assert sign_in_status_with_split_body(server) == 401


def check_form_was_accepted(browser, server) -> None:
    assert "The form had expired" not in main_text(browser)


def check_pupil_page_renders(browser) -> None:
    text = main_text(browser)
    assert "Internal Server Error" not in text and "TagDeclaration" not in text, text


# --- helpers -------------------------------------------------------------------------------------------------

def wait(browser, timeout: float = 15) -> WebDriverWait:
    # While a page is being replaced, chromedriver may answer a probe with an error: keep waiting then.
    return WebDriverWait(browser, timeout, poll_frequency=0.1, ignored_exceptions=(WebDriverException,))


def path_of(browser) -> str:
    return urlparse(browser.current_url).path


def main_text(browser) -> str:
    return browser.find_element(By.ID, "main").text


def submit_and_wait(browser, button) -> None:
    """Clicks a submit button and waits until the next page has replaced this one (a mark set on this
    document's window is gone, and the new document has loaded)."""
    browser.execute_script("window.__rollbookOldPage = true;")
    try:
        button.click()
    except (StaleElementReferenceException, WebDriverException) as e:
        # The click went through and the page was replaced while chromedriver was still looking at the button.
        if not isinstance(e, StaleElementReferenceException) and "does not belong to the document" not in str(e):
            raise
    wait(browser).until(lambda d: d.execute_script(
        "return window.__rollbookOldPage !== true && document.readyState === 'complete';"))


def fill_sign_in(browser, server, email: str, password: str) -> None:
    if path_of(browser) != "/" or not browser.find_elements(By.ID, "email"):
        browser.get(server.url("/"))
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button[type=submit]"))
    check_form_was_accepted(browser, server)


def is_signed_in(browser) -> bool:
    return bool(browser.find_elements(By.CSS_SELECTOR, "form.signout button"))


def sign_in(browser, server, email: str) -> None:
    """Signs in with the demo password and checks the header names the user."""
    browser.get(server.url("/"))
    fill_sign_in(browser, server, email, PASSWORD)
    if not is_signed_in(browser):
        pytest.fail(f"signing in as {email} did not work; the page at {browser.current_url} says:\n{main_text(browser)}")


def school_closed(browser) -> bool:
    return CLOSED_TEXT in main_text(browser)


def register_links(browser) -> list[str]:
    return [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#main table.list a[href*='/registers/']")]


def editable_lines(browser):
    """The register's pupils that can be marked now (school open, user may take the register)."""
    return [li for li in browser.find_elements(By.CSS_SELECTOR, "form#register li.pupil")
            if li.find_elements(By.CSS_SELECTOR, "input[type=radio][value=present]")]


def open_a_register(browser, server) -> None:
    """From /today, opens the first register of the current session. When the school is closed today (or for
    that form's year group), opens one form's AM register on the most recent school day instead."""
    browser.get(server.url("/today"))
    if not school_closed(browser):
        assert register_links(browser), f"/today lists no register although the school is open:\n{main_text(browser)}"
        browser.find_element(By.CSS_SELECTOR, "#main table.list a[href*='/registers/']").click()
        wait(browser).until(lambda d: "/registers/" in d.current_url and d.find_elements(By.ID, "register"))
        if editable_lines(browser):
            return
    form = some_form(browser, server)
    day = dt.date.today()
    for _ in range(40):
        day -= dt.timedelta(days=1)
        browser.get(server.url(f"/registers/{day.isoformat()}/AM?form={form}"))
        if editable_lines(browser):
            return
    pytest.fail(f"found no school day with an open register for form {form} in the last 40 days")


def some_form(browser, server) -> str:
    """A form's name, from a pupil search (any pupil whose name has an 'a')."""
    browser.get(server.url("/pupils?q=a"))
    cells = browser.find_elements(By.CSS_SELECTOR, "#main table.list tbody tr td:nth-child(3)")
    assert cells, f"a pupil search for 'a' found nobody:\n{main_text(browser)}"
    return cells[0].text


def set_time(browser, field, hhmm: str) -> None:
    """Types a time into an <input type=time> as a person would; falls back to setting it if the browser's
    locale makes the typed digits land differently."""
    field.click()
    field.send_keys(hhmm.replace(":", ""))
    if field.get_attribute("value") != hhmm:
        browser.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", field, hhmm)
    assert field.get_attribute("value") == hhmm


def minutes_of(hhmm: str) -> int:
    h, m = map(int, hhmm.split(":"))
    return h * 60 + m


def add_minutes(hhmm: str, minutes: int) -> str:
    """HH:MM plus some minutes, as HH:MM with a leading zero (the page may print 8:55)."""
    t = minutes_of(hhmm) + minutes
    return f"{t // 60:02d}:{t % 60:02d}"


def line_for(browser, upn: str):
    for li in browser.find_elements(By.CSS_SELECTOR, "form#register li.pupil"):
        if li.find_elements(By.CSS_SELECTOR, f"a[href='/pupils/{upn}']"):
            return li
    raise NoSuchElementException(f"no register line for {upn}")


def upn_of(li) -> str:
    return li.find_element(By.CSS_SELECTOR, ".who a").get_attribute("href").rsplit("/", 1)[-1]


# --- tests ---------------------------------------------------------------------------------------------------

def test_home_page_explains_rollbook_and_lists_demo_accounts(browser, server):
    browser.get(server.url("/"))
    assert browser.title.endswith("Rollbook")
    assert browser.find_element(By.CSS_SELECTOR, ".intro h1").text == "Rollbook"
    lead = browser.find_element(By.CSS_SELECTOR, ".intro .lead").text
    assert "attendance register" in lead and "register" in lead.lower()
    demo = browser.find_element(By.CSS_SELECTOR, "section.demo")
    assert PASSWORD in demo.text
    emails = [c.text for c in demo.find_elements(By.CSS_SELECTOR, "tbody td code")]
    assert emails == [f"{a}@{DOMAIN}" for a in ALL_ACCOUNTS]
    # The sign-in form is there and nobody is signed in.
    assert browser.find_element(By.ID, "email").get_attribute("type") == "email"
    assert browser.find_element(By.ID, "password").get_attribute("type") == "password"
    assert not is_signed_in(browser)


def test_wrong_password_shows_an_error_and_stays_signed_out(browser, server):
    browser.get(server.url("/"))
    fill_sign_in(browser, server, OFFICE, "not-the-password")
    error = browser.find_element(By.CSS_SELECTOR, ".signin .error")
    assert "do not match" in error.text
    assert error.get_attribute("role") == "alert"
    assert not is_signed_in(browser)
    # The sign-in form is shown again, and /today still needs a sign-in.
    assert browser.find_elements(By.ID, "email")
    browser.get(server.url("/today"))
    assert path_of(browser) == "/"
    assert browser.find_elements(By.ID, "email")
    assert not is_signed_in(browser)


def test_office_signs_in_and_sees_todays_registers(browser, server):
    sign_in(browser, server, OFFICE)
    assert path_of(browser) == "/today"
    assert "Olu Office" in browser.find_element(By.CSS_SELECTOR, "form.signout .who").text
    heading = browser.find_element(By.CSS_SELECTOR, "#main h1").text
    m = re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) (\d{4}-\d{2}-\d{2}) · (AM|PM)", heading)
    assert m, heading
    assert dt.date.fromisoformat(m.group(2)) - dt.date.today() in (dt.timedelta(0), dt.timedelta(days=1), dt.timedelta(days=-1))
    if school_closed(browser):
        assert "Attendance this year" in main_text(browser)
        return
    text = main_text(browser)
    assert "Registers this session" in text
    assert "attendance this year" in text
    rows = browser.find_elements(By.CSS_SELECTOR, "#main table.list tbody tr")
    links = register_links(browser)
    assert links, text
    session = m.group(3)
    for href in links:
        assert re.search(rf"/registers/{m.group(2)}/{session}\?form=", href), href
    # Each register row: form link, state, "N of M" marked, counts.
    first = rows[0].find_elements(By.TAG_NAME, "td")
    assert re.fullmatch(r"\d+ of \d+", first[2].text), first[2].text
    assert first[1].text in ("taken", "open", "overdue", "not yet open")


def test_take_a_register_and_see_the_marks_on_the_pupil_page(browser, server):
    sign_in(browser, server, OFFICE)
    open_a_register(browser, server)
    assert browser.find_element(By.CSS_SELECTOR, "#main h1").text.startswith("Register")
    meta = browser.find_element(By.CSS_SELECTOR, "#main p.meta").text
    times = re.search(r"Opens (\d{1,2}:\d\d), late after (\d{1,2}:\d\d), closes (\d{1,2}:\d\d)", meta)
    assert times, meta
    late_after, closes = add_minutes(times.group(2), 0), add_minutes(times.group(3), 0)
    session = "AM" if re.search(r"· AM\b", browser.find_element(By.CSS_SELECTOR, "#main h1").text) else "PM"

    lines = editable_lines(browser)
    assert len(lines) >= 3, "the register needs three pupils who can be marked"
    present_upn, late_upn, absent_upn = (upn_of(li) for li in lines[:3])
    before = {u: line_for(browser, u).find_element(By.CSS_SELECTOR, ".current").text for u in (present_upn, late_upn, absent_upn)}

    # One present, one late with an arrival time inside the late window, one with an absence code.
    line_for(browser, present_upn).find_element(By.CSS_SELECTOR, "input[type=radio][value=present]").click()
    late_line = line_for(browser, late_upn)
    late_line.find_element(By.CSS_SELECTOR, "input[type=radio][value=late]").click()
    minutes_late = max(1, min(7, minutes_of(closes) - minutes_of(late_after)))  # inside the late window: L, not U
    arrival = add_minutes(late_after, minutes_late)
    set_time(browser, late_line.find_element(By.CSS_SELECTOR, f"input[type=time][name='arrival_{late_upn}']"), arrival)
    select = Select(line_for(browser, absent_upn).find_element(By.CSS_SELECTOR, f"select[name='code_{absent_upn}']"))
    select.select_by_value("I")
    # The page's script clears radios when a code is chosen: the absent pupil has none checked.
    assert not line_for(browser, absent_upn).find_elements(By.CSS_SELECTOR, "input[type=radio]:checked")
    reason = browser.find_elements(By.ID, "reason")
    if reason:  # the register has closed: changes need a reason
        reason[0].send_keys("Browser test: marks checked with the class")

    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='register']//button[normalize-space()='Save register']"))
    check_form_was_accepted(browser, server)
    assert not browser.find_elements(By.CSS_SELECTOR, "#main p.error"), main_text(browser)
    saved = browser.find_element(By.CSS_SELECTOR, "#main p.ok").text
    assert re.fullmatch(r"Saved: \d+ new, \d+ changed, \d+ unchanged\.", saved), saved
    assert browser.find_element(By.CSS_SELECTOR, "#main p.ok").get_attribute("role") == "status"

    present_symbol = "/" if session == "AM" else "\\"
    now = {u: line_for(browser, u).find_element(By.CSS_SELECTOR, ".current").text for u in (present_upn, late_upn, absent_upn)}
    assert now[present_upn].startswith(present_symbol + " "), now[present_upn]
    assert now[late_upn].startswith("L "), now[late_upn]
    assert f"({minutes_late} min)" in now[late_upn], now[late_upn]
    assert now[absent_upn].startswith("I "), now[absent_upn]
    assert "illness" in now[absent_upn].lower(), now[absent_upn]
    assert "tone-late" in line_for(browser, late_upn).get_attribute("class")
    assert "tone-authorised" in line_for(browser, absent_upn).get_attribute("class")

    # The pupil page of the absent pupil: attendance figures, the new I in the absences, amendments section.
    changed_from = before[absent_upn].split(" ", 1)[0]
    was_marked = bool(changed_from) and changed_from not in ("Not", "School")
    line_for(browser, absent_upn).find_element(By.CSS_SELECTOR, ".who a").click()
    wait(browser).until(lambda d: path_of(d) == f"/pupils/{absent_upn}")
    check_pupil_page_renders(browser)
    text = main_text(browser)
    assert "Attendance" in text and "Possible sessions" in text
    figures = browser.find_elements(By.XPATH, "//h2[normalize-space()='Attendance']/following-sibling::table//tbody/tr")
    assert len(figures) == 2 and figures[0].text.startswith("This year")
    assert re.search(r"\d+\.\d%", figures[0].text), figures[0].text
    assert absent_upn in text  # the UPN in the details
    absences = browser.find_element(By.XPATH, "//h2[normalize-space()='Absences and lateness this year']/..").text
    assert re.search(rf"\d{{4}}-\d\d-\d\d {session} I ", absences), absences
    amendments = browser.find_element(By.XPATH, "//h2[normalize-space()='Amendments']/..")
    if was_marked and changed_from != "I":
        rows = amendments.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert any(f" {changed_from} I " in f" {r.text} " for r in rows), amendments.text
    else:
        assert amendments.text.strip() != "Amendments"


def test_sign_out(browser, server):
    sign_in(browser, server, OFFICE)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.signout button"))
    check_form_was_accepted(browser, server)
    assert path_of(browser) == "/"
    assert browser.find_elements(By.ID, "email")
    assert not is_signed_in(browser)
    browser.get(server.url("/today"))
    assert path_of(browser) == "/"
    assert not is_signed_in(browser)


def test_teacher_can_open_any_pupils_page(browser, server):
    sign_in(browser, server, TEACHER)
    assert "Sam Teacher" in browser.find_element(By.CSS_SELECTOR, "form.signout .who").text
    # A pupil of a form that is not the teacher's own (the demo teacher has the first reception form).
    browser.get(server.url("/pupils"))
    search = browser.find_element(By.ID, "q")
    search.send_keys("6L")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]"))
    links = browser.find_elements(By.CSS_SELECTOR, "#main table.list tbody a[href^='/pupils/']")
    assert links, main_text(browser)
    name = links[0].text
    links[0].click()
    wait(browser).until(lambda d: re.fullmatch(r"/pupils/[^/]+", path_of(d)) and d.find_elements(By.CSS_SELECTOR, "#main h1"))
    check_pupil_page_renders(browser)
    h1 = browser.find_element(By.CSS_SELECTOR, "#main h1").text
    assert h1.startswith(name) and "6L" in h1, h1
    assert "Possible sessions" in main_text(browser)
    assert "Amendments" in main_text(browser)


def test_governor_gets_a_403_page_on_pupils(browser, server):
    sign_in(browser, server, GOVERNOR)
    browser.get(server.url("/pupils"))
    text = main_text(browser)
    assert browser.find_element(By.CSS_SELECTOR, "#main h1").text == "Forbidden", text
    assert "governor may not" in text.lower(), text
    assert "Pupil" not in [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#main th")]
    # The status itself, read from the browser's own navigation record.
    status = browser.execute_script(
        "const e = performance.getEntriesByType('navigation')[0]; return e && e.responseStatus;")
    if status is not None:
        assert status == 403


def test_pages_fit_a_phone_without_horizontal_scrolling(browser, server):
    sign_in(browser, server, OFFICE)
    browser.get(server.url("/lists"))
    pupil = browser.find_element(By.CSS_SELECTOR, 'table.list a[href^="/pupils/"]').get_attribute("href")
    for path in ["/today", "/lists", "/registers/missing", pupil.replace(server.base_url, "")]:
        browser.get(server.url(path))
        inner = browser.execute_script("return window.innerWidth")
        assert inner == PHONE_WIDTH, f"the viewport is {inner} px wide, not a {PHONE_WIDTH} px phone"
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        if scroll > inner + 1:
            wide = browser.execute_script(
                "const w = window.innerWidth + 1; return Array.from(document.querySelectorAll('#main *, header *'))"
                ".filter(e => e.getBoundingClientRect().right > w)"
                ".map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className.split(' ').join('.') : ''))")
            pytest.fail(f"{path} is {scroll} px wide in a {inner} px window, so it scrolls sideways; too wide: {wide[:8]}")
