"""Two journeys through exclusions and safeguarding, in a real headless Chromium against real servers whose email goes
to an SMTP server on loopback (fakes.SMTPSink), with the servers of test_policy_journeys (weeks pass by restarting
a server on the same SQLite file with a later --now):

  test_suspension_reaches_day_6_with_the_provision_action
      seed 002 §4.4.4 / seed 001 App. I: a suspension recorded on the pupil page is coded E; on its first day the
      worklist proposes the parents' notice of the first five days (seed 001 §4.2, the letter emailed without staff
      text); on the sixth school day it proposes alternative provision, which the lead records;
  test_bullying_flagged_absence_notifies_the_pastoral_lead
      seed 003 'Specific monitoring of absence potentially caused by bullying': the office flags an absence as possibly
      bullying-related and the staff the policy names (here the class teacher and the demo school's senior leader,
      standing in for the pastoral lead) are emailed; the flag is on the timeline and counted on /barriers.
"""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import (LEAD, OFFICE, check_form_was_accepted, go, h1, main_text, section_table_rows, sign_in, submit_and_wait,
                     switch_user)
from test_policy_journeys import (TIMELINE, check_no_staff_text, choose_pupil, complete, journey, new_mails, parent_emails,  # noqa: F401
                                  require_item, seed_002, send_letter_from, upload_policy, write_marks)


def test_suspension_reaches_day_6_with_the_provision_action(desktop, journey):
    make, sink = journey
    browser = desktop
    server = make("suspension")
    policy = seed_002(name="Harbour Lane exclusions test policy (seed 002)")
    assert policy["exclusions"]["alternative_provision_from_school_day"] == 6

    # Monday 30 November 2026, mid-morning: the head has suspended a pupil for 8 school days from today.
    server.start("2026-11-30T10:30")
    sign_in(browser, server, LEAD)
    upload_policy(browser, server, policy)
    upn, name = choose_pupil(server, "2026-11-30", rate_at_least=0.9)
    parents = parent_emails(server, upn)
    go(browser, server, f"/pupils/{upn}")
    form = browser.find_element(By.ID, "exclusion-form")
    Select(form.find_element(By.ID, "ex-kind")).select_by_value("suspension")
    form.find_element(By.ID, "ex-days").send_keys("8")
    form.find_element(By.ID, "ex-reason").send_keys("Serious breach of the behaviour policy")
    submit_and_wait(browser, form.find_element(By.XPATH, ".//button[normalize-space()='Record and code E']"))
    check_form_was_accepted(browser)
    flash = browser.find_element(By.CSS_SELECTOR, "#main p.ok").text
    # 16 sessions, less this morning's if the pupil was registered present before being sent home.
    coded = re.search(rf"Suspension recorded for {re.escape(name)}; (\d+) sessions coded E", flash)
    assert coded and int(coded.group(1)) in (15, 16), flash
    rows = section_table_rows(browser, TIMELINE)
    assert any("Suspended for 8 school days from 2026-11-30" in " ".join(r) for r in rows), rows
    status, marks = server.api(LEAD, "GET", f"/api/v1/pupils/{upn}/marks?from=2026-11-30&to=2026-12-09")
    assert status == 200 and [m["code"] for m in marks].count("E") == int(coded.group(1)), marks

    # Day 1: the parents' notice of the first five days, a letter that carries no staff text.
    item = require_item(browser, server, "exclusion_notice", upn)
    assert "must make sure the child is not in a public place" in item.text, item.text
    sent = len(sink.messages)
    reason, flash = send_letter_from(browser, item, "exclusion-public-places", "Notice emailed on day 1")
    assert "Emailed to" in flash, flash
    for mail in new_mails(sink, sent, parents, "public place"):
        check_no_staff_text(mail, reason)
        assert "Serious breach" not in mail.text, "the head's reason for staff reached the parents"

    # Friday 4 December is school day 5: no provision action yet. Monday 7 December is day 6.
    server.restart("2026-12-04T10:00")
    sign_in(browser, server, LEAD)
    go(browser, server, "/worklist?kind=alternative_provision")
    assert not browser.find_elements(By.CSS_SELECTOR, f"li.action h3 a[href='/pupils/{upn}']"), main_text(browser)[:800]
    server.restart("2026-12-07T10:00")
    sign_in(browser, server, LEAD)
    item = require_item(browser, server, "alternative_provision", upn)
    assert "school day 6 of exclusion in a row since" in item.text and "alternative provision is due" in item.text, item.text
    flash = complete(browser, item, "Place at the local pupil referral unit from tomorrow")
    assert name in flash, flash
    go(browser, server, f"/pupils/{upn}")
    rows = section_table_rows(browser, TIMELINE)
    assert any("Alternative provision arranged" in " ".join(r) for r in rows), rows


def test_bullying_flagged_absence_notifies_the_pastoral_lead(desktop, journey):
    make, sink = journey
    browser = desktop
    server = make("bullying")
    policy = seed_002(name="Harbour Lane barriers test policy")
    # Seed 003's list names the welfare officer and the pastoral and key-stage leads; the demo school's senior leader
    # for attendance stands in for them.
    policy["barriers"] = {"bullying_notify": ["form_tutor", "position:Senior leader for attendance"]}
    server.start("2026-11-26T10:00")
    sign_in(browser, server, LEAD)
    upload_policy(browser, server, policy)
    upn, name = choose_pupil(server, "2026-11-26", rate_at_least=0.9, quiet=False)
    # Absent on Tuesday, no reason given.
    write_marks(server, "2026-11-24", "AM", [{"upn": upn, "code": "N", "reason": "No reason yet"}])
    write_marks(server, "2026-11-24", "PM", [{"upn": upn, "code": "N", "reason": "No reason yet"}])

    switch_user(browser, server, OFFICE)
    go(browser, server, f"/pupils/{upn}")
    form = browser.find_element(By.ID, "barrier-form")
    Select(form.find_element(By.ID, "barrier-category")).select_by_value("bullying")
    form.find_element(By.ID, "barrier-note").send_keys("Dad says older pupils have been taking her lunch")
    browser.execute_script("arguments[0].value = '2026-11-24'", form.find_element(By.ID, "barrier-date"))
    sent = len(sink.messages)
    submit_and_wait(browser, form.find_element(By.XPATH, ".//button[normalize-space()='Record barrier']"))
    check_form_was_accepted(browser)
    flash = browser.find_element(By.CSS_SELECTOR, "#main p.ok").text
    assert "Told by email" in flash and "Lee Lead (Senior leader for attendance)" in flash, flash
    mails = new_mails(sink, sent, {"lead@harbourlane.example.org"}, "possibly bullying-related")
    assert name in mails[0].subject and "taking her lunch" in mails[0].text, mails[0].text
    assert not new_mails(sink, sent, parent_emails(server, upn), "bullying", count=0), "a parent was sent the staff alert"

    switch_user(browser, server, LEAD)
    go(browser, server, f"/pupils/{upn}")
    rows = section_table_rows(browser, TIMELINE)
    assert any("Absence possibly bullying-related" in " ".join(r) for r in rows), rows
    go(browser, server, "/barriers")
    assert h1(browser) == "Barriers to attendance"
    entries = section_table_rows(browser, "Recorded, newest first")
    assert any("Absence possibly bullying-related" in " ".join(r) for r in entries), entries
    assert name in main_text(browser), main_text(browser)[:1000]
