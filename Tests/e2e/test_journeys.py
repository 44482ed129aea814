"""The journeys issue 3 names, each in a real headless Chromium against the demo server on its fixed clock
(Wednesday 2026-11-25 from 08:46, every AM register open and unmarked; see conftest.py):

  a teacher takes their own form's register on a 390 px phone;
  the office records a late arrival after the register closed with the late book, and sees U;
  the office amends a mark on a closed register with a reason, and sees it in the pupil's history;
  a teacher is refused another form's register and pupils, and finds only their own form's pupils;
  a governor sees no pupil names anywhere.

Each test marks pupils of its own forms only (helpers.py), so they pass in any order. Along the way they save
screenshots of the Today, register and pupil pages at phone and desktop widths (conftest.save_screenshot).
"""

from __future__ import annotations

import html
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import (AM_TIMES_LINE, AMEND_FORM, GOVERNOR, GOVERNOR_N_FORM, LATE_BOOK_FORM, LEAD, OFFICE, OFFICE_SIGNATURE,
                     OTHER_FORM, PREVIOUS_SCHOOL_DAY, TEACHER, TEACHER_FORM, TODAY, TODAY_HEADING, check_forbidden,
                     check_form_was_accepted, check_renders, current_mark, figures, go, h1, line_for, main_text,
                     minutes_between, name_of, path_of, pupil_links, register_lines, save_screenshot, section_table_rows, set_time,
                     sign_in, signed_in_as, strip_leading_zero, submit_and_wait, switch_user, today_rows, upn_of, wait)

PRESENT_AM = "/ Present (AM)"
NOT_MARKED = "Not marked"
ABSENCES = "Absences and lateness this year"
AMENDMENTS = "Amendments"


def save_register(browser) -> None:
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='register']//button[normalize-space()='Save register']"))
    check_form_was_accepted(browser)


def saved_status(browser) -> str:
    errors = browser.find_elements(By.CSS_SELECTOR, "#main p.error")
    assert not errors, f"saving the register failed: {errors[0].text}"
    ok = browser.find_elements(By.CSS_SELECTOR, "#main p.ok")
    assert ok, f"saving the register showed no 'Saved: …' status:\n{main_text(browser)[:800]}"
    assert ok[0].get_attribute("role") == "status", "the 'Saved: …' message is not announced (role=status)"
    return ok[0].text


def late_totals(browser) -> tuple[int, int]:
    """(late arrivals, minutes) from the pupil page's 'Late arrivals this year (L and U): k, m minutes in all.'"""
    m = re.search(r"Late arrivals this year \(L and U\): (\d+), (\d+) minutes in all", main_text(browser))
    assert m, f"the pupil page has no 'Late arrivals this year' line:\n{main_text(browser)[:1200]}"
    return int(m.group(1)), int(m.group(2))


def open_pupil(browser, upn: str, name: str) -> None:
    """Follows the link to a pupil's page from the page now shown."""
    browser.find_element(By.CSS_SELECTOR, f"#main a[href='/pupils/{upn}']").click()
    wait(browser).until(lambda d: path_of(d) == f"/pupils/{upn}" and d.find_elements(By.CSS_SELECTOR, "#main h1"))
    check_renders(browser)
    assert h1(browser).startswith(name), f"the page of {upn} is headed {h1(browser)!r}, not {name}'s name"


# --- (a) a teacher takes their own form's register on a phone --------------------------------------------------

def test_teacher_takes_own_forms_register_on_a_phone(browser, server):
    server.require_before("9:15", "the teacher takes the AM register while it is open")
    sign_in(browser, server, TEACHER)
    assert path_of(browser) == "/today", f"signing in went to {browser.current_url}, not /today"
    assert "Sam Teacher" in signed_in_as(browser), f"the header says {signed_in_as(browser)!r}"
    assert h1(browser) == TODAY_HEADING, f"Today's heading is {h1(browser)!r}"
    rows = today_rows(browser)
    assert list(rows) == [TEACHER_FORM], f"the teacher's Today lists {list(rows)}, not just their form {TEACHER_FORM}"
    row = rows[TEACHER_FORM]
    total = re.fullmatch(r"0 of (\d+)", row["marked"])
    assert row["state"] == "open" and total, f"at 08:4x {TEACHER_FORM}'s register should be open with nobody marked: {row}"
    pupils = int(total.group(1))

    # Today -> the register, by its link.
    browser.find_element(By.XPATH, f"//table[contains(@class,'list')]//a[normalize-space()='{TEACHER_FORM}']").click()
    wait(browser).until(lambda d: "/registers/" in d.current_url and d.find_elements(By.ID, "register"))
    assert path_of(browser) == f"/registers/{TODAY}/AM", f"the link went to {browser.current_url}"
    assert h1(browser) == f"Register {TEACHER_FORM} Wednesday {TODAY} · AM", f"the register is headed {h1(browser)!r}"
    meta = browser.find_element(By.CSS_SELECTOR, "#main p.meta").text
    assert meta == f"{AM_TIMES_LINE} · open", f"the register's times line says {meta!r}"
    lines = register_lines(browser)
    assert len(lines) == pupils, f"the register lists {len(lines)} pupils; Today said {pupils}"
    currents = [li.find_element(By.CSS_SELECTOR, ".current").text for li in lines]
    assert all(c == NOT_MARKED for c in currents), f"some pupils are already marked: {currents}"
    assert not browser.find_elements(By.ID, "reason"), "an open register asks for a reason for changes"
    late_upn, absent_upn = upn_of(lines[1]), upn_of(lines[2])
    absent_name = name_of(lines[2])

    # Everybody present with one tap, then one pupil late with an arrival time and one with an absence code.
    browser.find_element(By.ID, "all-present").click()
    checked = browser.find_elements(By.CSS_SELECTOR, "form#register input[type=radio][value=present]:checked")
    assert len(checked) == pupils, f"'Mark all not yet marked as present' checked {len(checked)} of {pupils} pupils"
    late_line = line_for(browser, late_upn)
    late_line.find_element(By.CSS_SELECTOR, "input[type=radio][value=late]").click()
    arrival = "09:00"  # after 8:55, before 9:15: L, 5 minutes late
    set_time(browser, late_line.find_element(By.CSS_SELECTOR, f"input[type=time][name='arrival_{late_upn}']"), arrival)
    Select(line_for(browser, absent_upn).find_element(By.CSS_SELECTOR, f"select[name='code_{absent_upn}']")).select_by_value("I")
    assert not line_for(browser, absent_upn).find_elements(By.CSS_SELECTOR, "input[type=radio]:checked"), \
        "choosing an absence code did not clear the pupil's 'Present' choice"

    save_register(browser)
    saved = saved_status(browser)
    assert saved == f"Saved: {pupils} new, 0 changed, 0 unchanged.", f"the status after saving says {saved!r}"
    marks = {upn_of(li): li.find_element(By.CSS_SELECTOR, ".current").text for li in register_lines(browser)}
    minutes = minutes_between("08:55", arrival)
    expected = {u: PRESENT_AM for u in marks}
    expected[late_upn] = f"L Late, arrived before the register closed ({minutes} min)"
    expected[absent_upn] = "I Illness"
    wrong = {u: (marks[u], expected[u]) for u in marks if marks[u] != expected[u]}
    assert not wrong, f"after saving, these lines show (mark, expected): {wrong}"
    assert "tone-late" in line_for(browser, late_upn).get_attribute("class"), "the late pupil's line is not toned late"
    assert "tone-authorised" in line_for(browser, absent_upn).get_attribute("class"), "an I line is not toned authorised"
    save_screenshot(browser, "register")

    # Today now shows the register taken, with the counts.
    go(browser, server, "/today")
    row = today_rows(browser)[TEACHER_FORM]
    assert (row["state"], row["marked"], row["present"], row["late"], row["absent"]) == \
        ("taken", f"{pupils} of {pupils}", str(pupils - 2), "1", "1"), \
        f"Today's row for {TEACHER_FORM} after the register was taken: {row}"
    numbers = figures(browser)
    assert (numbers.get("present on time"), numbers.get("late (L)"), numbers.get("absent")) == (str(pupils - 2), "1", "1"), \
        f"the teacher's figures for today are {numbers}"
    # The teacher's rate today is their own form's: 28 of 29 sessions attended (L counts as present).
    today_rate = [n for words, n in numbers.items() if words.startswith("attendance today")]
    assert today_rate == [f"{100 * (pupils - 1) / pupils:.1f}%"], f"the teacher's attendance today is {today_rate}: {numbers}"
    save_screenshot(browser, "today")

    # The absent pupil's page shows today's I.
    go(browser, server, f"/registers/{TODAY}/AM?form={TEACHER_FORM}")
    open_pupil(browser, absent_upn, absent_name)
    rows = section_table_rows(browser, ABSENCES)
    assert rows and rows[0] == [TODAY, "AM", "I", "Illness"], f"the newest absence on {absent_name}'s page is {rows[:1]}"
    save_screenshot(browser, "pupil")


# --- (b) the office's late book: an arrival after the register closed is U -------------------------------------

def test_office_records_a_late_arrival_after_close_and_sees_u(desktop, server):
    browser = desktop
    sign_in(browser, server, OFFICE)
    go(browser, server, "/pupils")
    browser.find_element(By.ID, "q").send_keys(LATE_BOOK_FORM)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]"))
    found = pupil_links(browser)
    assert found, f"a search for form {LATE_BOOK_FORM} found nobody:\n{main_text(browser)}"
    forms = {tr.find_elements(By.TAG_NAME, "td")[2].text for tr in browser.find_elements(By.CSS_SELECTOR, "#main table.list tbody tr")}
    assert forms == {LATE_BOOK_FORM}, f"a search for form {LATE_BOOK_FORM} found pupils of {forms}"
    name, upn = found[0]
    open_pupil(browser, upn, name)
    assert LATE_BOOK_FORM in h1(browser), f"the pupil page is headed {h1(browser)!r}"
    before = late_totals(browser)
    assert not [r for r in section_table_rows(browser, ABSENCES) if r[:2] == [TODAY, "AM"]], \
        f"{name} already has a mark for today's AM"

    arrival = "09:30"  # after the 9:15 close: U, minutes late counted from 8:55
    minutes = minutes_between("08:55", arrival)
    field = browser.find_element(By.ID, "arrival-time")
    set_time(browser, field, arrival)
    submit_and_wait(browser, field.find_element(By.XPATH, "./ancestor::form//button[normalize-space()='Record arrival']"))
    check_form_was_accepted(browser)
    assert path_of(browser) == f"/pupils/{upn}", f"recording the arrival went to {browser.current_url}, not back to the pupil"
    flash = browser.find_elements(By.CSS_SELECTOR, "#main p.ok")
    assert flash, f"recording the arrival showed no message:\n{main_text(browser)[:800]}"
    text = flash[0].text
    assert strip_leading_zero(arrival) in text and re.search(r"\bU\b", text) and f"{minutes} minutes late" in text, \
        f"the late book's message should give the time, the code U and '{minutes} minutes late'; it says {text!r}"
    assert flash[0].get_attribute("role") == "status", "the late book's message is not announced (role=status)"

    rows = section_table_rows(browser, ABSENCES)
    assert rows and rows[0] == [TODAY, "AM", "U", f"Arrived after the register closed ({minutes} min late)"], \
        f"the newest row of '{ABSENCES}' is {rows[:1]}, not today's U"
    badge = browser.find_element(By.XPATH, f"//h2[normalize-space()='{ABSENCES}']/..//tbody/tr[1]//span[contains(@class,'badge')]")
    assert "unauthorised" in badge.get_attribute("class"), f"the U badge's class is {badge.get_attribute('class')!r}"
    after = late_totals(browser)
    assert after == (before[0] + 1, before[1] + minutes), \
        f"the late arrivals line went from {before} to {after}, not up by one arrival and {minutes} minutes"
    save_screenshot(browser, "pupil")

    # The form's register shows the same mark.
    go(browser, server, f"/registers/{TODAY}/AM?form={LATE_BOOK_FORM}")
    mark = current_mark(browser, upn)
    assert mark == f"U Arrived after the register closed ({minutes} min)", f"{name}'s line on the register says {mark!r}"


# --- (c) the office amends a closed register with a reason -----------------------------------------------------

def test_office_amends_a_closed_register_with_a_reason_and_sees_it_in_the_pupils_history(desktop, server):
    browser = desktop
    sign_in(browser, server, OFFICE)
    path = f"/registers/{PREVIOUS_SCHOOL_DAY}/AM?form={AMEND_FORM}"
    go(browser, server, path)
    assert h1(browser) == f"Register {AMEND_FORM} Tuesday {PREVIOUS_SCHOOL_DAY} · AM", f"{path} is headed {h1(browser)!r}"
    meta = browser.find_element(By.CSS_SELECTOR, "#main p.meta").text
    assert meta == f"{AM_TIMES_LINE} · closed", f"yesterday's register's times line says {meta!r}"
    reason_field = browser.find_elements(By.ID, "reason")
    assert reason_field, "a closed register offers no #reason field for the office's change"
    label = browser.find_element(By.CSS_SELECTOR, "label[for=reason]").text
    assert "reason" in label.lower(), f"the reason field is labelled {label!r}"
    present = [li for li in register_lines(browser) if li.find_element(By.CSS_SELECTOR, ".current").text == PRESENT_AM]
    assert present, f"nobody in {AMEND_FORM} was present on {PREVIOUS_SCHOOL_DAY} AM, so there is no mark to amend"
    upn, name = upn_of(present[0]), name_of(present[0])

    # Without a reason the change is refused and nothing changes.
    Select(line_for(browser, upn).find_element(By.CSS_SELECTOR, f"select[name='code_{upn}']")).select_by_value("I")
    save_register(browser)
    error = browser.find_elements(By.CSS_SELECTOR, "#main p.error")
    assert error and "reason" in error[0].text and "Nothing was saved" in error[0].text, \
        f"changing a closed register without a reason should be refused, saying a reason is needed; the page says:\n{main_text(browser)[:600]}"
    assert current_mark(browser, upn) == PRESENT_AM, f"a refused change still changed {name}'s mark to {current_mark(browser, upn)!r}"

    # With a reason it is saved as an amendment.
    reason = "Parent phoned 25 Nov: sent home ill before registration, marked present in error"
    Select(line_for(browser, upn).find_element(By.CSS_SELECTOR, f"select[name='code_{upn}']")).select_by_value("I")
    browser.find_element(By.ID, "reason").send_keys(reason)
    save_register(browser)
    saved = saved_status(browser)
    others = len(register_lines(browser)) - 1
    assert saved in ("Saved: 0 new, 1 changed, 0 unchanged.", f"Saved: 0 new, 1 changed, {others} unchanged."), \
        f"the status after the amendment says {saved!r}"
    assert current_mark(browser, upn) == "I Illness", f"{name}'s line now says {current_mark(browser, upn)!r}"
    save_screenshot(browser, "register")

    open_pupil(browser, upn, name)
    amendments = section_table_rows(browser, AMENDMENTS)
    ours = [r for r in amendments if r[0] == f"{PREVIOUS_SCHOOL_DAY} AM"]
    assert len(ours) == 1, f"{name}'s Amendments table should have one row for {PREVIOUS_SCHOOL_DAY} AM; it has {amendments}"
    session, original, new, why, when, by = ours[0]
    assert (original, new, why, by) == ("/", "I", reason, OFFICE_SIGNATURE), \
        f"the amendment row is {ours[0]}; expected from '/', to 'I', the reason given, by {OFFICE_SIGNATURE!r}"
    assert when.startswith(TODAY), f"the amendment was made on {TODAY}, but the row says when = {when!r}"
    absences = section_table_rows(browser, ABSENCES)
    assert [PREVIOUS_SCHOOL_DAY, "AM", "I", "Illness"] in absences, f"the amended I is not among {name}'s absences: {absences[:5]}"

    # The office's Today, for the desktop screenshot.
    go(browser, server, "/today")
    assert h1(browser) == TODAY_HEADING
    save_screenshot(browser, "today")


# --- (d) a teacher sees only their own form -------------------------------------------------------------------

def test_teacher_is_refused_another_forms_register_and_pupils(browser, server):
    # The office finds the other form's pupils first.
    sign_in(browser, server, OFFICE)
    go(browser, server, f"/pupils?q={OTHER_FORM}")
    others = pupil_links(browser)
    assert others, f"the office's search for form {OTHER_FORM} found nobody"

    switch_user(browser, server, TEACHER)
    for path in (f"/registers/{TODAY}/AM?form={OTHER_FORM}", f"/pupils/{others[0][1]}"):
        go(browser, server, path)
        check_forbidden(browser, path, "teacher")
        shown = [n for n, _ in others if n in main_text(browser)]
        assert not shown, f"the teacher's page for {path} shows pupils of {OTHER_FORM}: {shown}"


def test_teacher_pupil_search_finds_only_their_own_form(browser, server):
    sign_in(browser, server, TEACHER)
    go(browser, server, "/pupils?q=a")
    rows = browser.find_elements(By.CSS_SELECTOR, "#main table.list tbody tr")
    assert rows, "the teacher's search for 'a' found nobody, not even in their own form"
    forms = sorted({tr.find_elements(By.TAG_NAME, "td")[2].text for tr in rows})
    assert forms == [TEACHER_FORM], f"the teacher's search for 'a' found pupils of forms {forms}, not only {TEACHER_FORM}"
    go(browser, server, f"/pupils?q={OTHER_FORM}")
    found = pupil_links(browser)
    assert not found, f"the teacher's search for form {OTHER_FORM} found {len(found)} pupils, e.g. {found[:3]}"


# --- (e) a governor sees figures, never a pupil's name --------------------------------------------------------

def test_governor_sees_no_pupil_names(desktop, server):
    browser = desktop
    server.require_before("9:15", "the office marks a pupil N on today's open AM register")
    # The office gathers every pupil's name from Lists, and marks one pupil N today so the day-1 list has a name.
    sign_in(browser, server, OFFICE)
    go(browser, server, "/lists")
    names = {n for n, _ in pupil_links(browser)}
    assert len(names) > 300, f"the office's Lists show only {len(names)} pupils; the demo school has 420"
    go(browser, server, f"/registers/{TODAY}/AM?form={GOVERNOR_N_FORM}")
    unmarked = [li for li in register_lines(browser) if li.find_element(By.CSS_SELECTOR, ".current").text == NOT_MARKED]
    assert unmarked, f"nobody is unmarked on {GOVERNOR_N_FORM}'s register today"
    n_upn, n_name = upn_of(unmarked[0]), name_of(unmarked[0])
    Select(unmarked[0].find_element(By.CSS_SELECTOR, f"select[name='code_{n_upn}']")).select_by_value("N")
    save_register(browser)
    saved_status(browser)
    go(browser, server, "/today")
    assert n_name in main_text(browser), f"the office's day-1 list does not show {n_name}, just marked N"
    names.add(n_name)

    switch_user(browser, server, GOVERNOR)
    allowed = ["/today"]
    refused = ["/lists", "/pupils?q=a", "/registers/missing", f"/registers/{TODAY}/AM",
               f"/registers/{TODAY}/AM?form={GOVERNOR_N_FORM}", f"/pupils/{n_upn}"]
    leaks = []
    for path in allowed + refused:
        go(browser, server, path)
        text = browser.execute_script("return document.body.innerText")
        source = html.unescape(browser.page_source)
        shown = sorted(n for n in names if n in text or n in source)
        if shown:
            leaks.append(f"{path}: {shown[:10]}{' …' if len(shown) > 10 else ''}")
        if path in refused:
            check_forbidden(browser, path, "governor")
        else:
            assert h1(browser) == TODAY_HEADING, f"the governor's Today is headed {h1(browser)!r}"
            numbers = figures(browser)
            assert any(k.startswith("attendance this year") for k in numbers), \
                f"the governor's Today shows no attendance figure: {numbers}"
    assert not leaks, "the governor was shown pupil names:\n" + "\n".join(leaks)


def test_attendance_lead_sends_a_stage_letter_from_the_worklist(desktop, server):
    """Issue 4: the worklist's actions come from the policy; completing a stage entry sends its letter, which is
    kept on the pupil's timeline exactly as sent and can be printed."""
    browser = desktop
    sign_in(browser, server, LEAD)
    go(browser, server, "/worklist?kind=penalty_threshold")
    assert h1(browser).startswith("Worklist"), f"the worklist is headed {h1(browser)!r}"
    # A penalty-threshold action lists the sessions and the parent it would be issued to.
    penalty = browser.find_elements(By.CSS_SELECTOR, "li.action")
    assert penalty and "penalty notice to" in penalty[0].text, f"no penalty-threshold action: {main_text(browser)[:600]}"
    go(browser, server, "/worklist?kind=stage_entry")
    item = browser.find_elements(By.CSS_SELECTOR, "li.action")[-1]
    upn = item.find_element(By.CSS_SELECTOR, "h3 a").get_attribute("href").rsplit("/", 1)[-1]
    name = item.find_element(By.CSS_SELECTOR, "h3 a").text
    reason = item.find_element(By.CSS_SELECTOR, "p").text
    assert "below" in reason and "%" in reason, f"a stage entry should say the figures and the threshold: {reason!r}"
    item.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys("Posted and emailed")
    submit_and_wait(browser, item.find_element(By.XPATH, ".//button[normalize-space()='Write the letter']"))
    assert browser.find_element(By.ID, "send-note").get_attribute("value") == "Posted and emailed"
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='send-form']//button[normalize-space()='Send the letter and record it']"))
    check_form_was_accepted(browser)
    flash = browser.find_element(By.CSS_SELECTOR, "#main p.ok").text
    assert name in flash and "The letter is on the timeline" in flash, flash
    go(browser, server, f"/pupils/{upn}")
    rows = section_table_rows(browser, "Casework timeline")
    kinds = [r[1] for r in rows]
    assert "Letter sent" in kinds and "Stage entered" in kinds, f"the timeline shows {rows[:3]}"
    sent = rows[kinds.index("Letter sent")]
    assert "Posted and emailed" in sent[3] and "Lee Lead" in sent[4], f"the letter's row is {sent}"
    browser.find_element(By.PARTIAL_LINK_TEXT, "the letter as sent").click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "article.letter"))
    letter = browser.find_element(By.CSS_SELECTOR, "article.letter").text
    assert letter.startswith("Harbour Lane") and "Dear " in letter and name.split(" ")[0] in letter, letter[:400]
    assert "Lee Lead" in letter, "the letter is signed by whoever sent it"
    assert browser.find_elements(By.ID, "print"), "the letter page has no Print button"
