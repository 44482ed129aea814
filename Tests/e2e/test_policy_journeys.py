"""Three journeys through a school's own attendance policy over weeks of school time, in a real headless Chromium
against real servers whose email goes to an SMTP server on loopback (fakes.SMTPSink):

  test_lateness_ladder_reaches_a_panel_meeting_and_hands_over_to_stage_1
      seed 002's lateness ladder ("3 or 4 late arrivals in a week": written warning and 4 school weeks' monitoring;
      "If there is no improvement in punctuality convene a Lateness Panel Meeting"; "If lateness continues ... move
      over to the attendance escalation procedure"), handing over to the first attendance stage;
  test_evidence_deadline_passing_makes_i_into_o_with_the_parents_told_first
      evidence asked for by hand, the parents reminded before the deadline, then I amended to O once it has passed,
      while a session the parent sent evidence for (parent portal) keeps its I;
  test_stage_letter_repeats_at_the_next_term
      seed 002's amber stage ("RAG Attendance Letters to be sent home termly"): entered in the autumn term, its letter
      proposed again in the spring term while attendance stays below, the pupil staying in the stage.

Weeks pass by stopping a journey's server and starting it again on the same SQLite file with a later `--now` (the
demo school is only created while the database is empty, so marks after the first day are the ones the journey
writes, through the API as the office would, with a reason). The policy is uploaded on the /policy page, in force
from the start of the school year. Each journey runs servers of its own, so the tests pass in any order and do not
touch the shared demo server's clock.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from fakes import SMTPSink, free_port
from helpers import (LEAD, OFFICE, PASSWORD, REPO_ROOT, api_call, check_form_was_accepted, go, h1, main_text, rollbook_binary,
                     section_table_rows, sign_in, submit_and_wait)

SEED_002 = REPO_ROOT / "Policies" / "seed-002-small-primary.json"
TIMELINE = "Casework timeline"
AMENDMENTS = "Amendments"
# Words of the staff side of an action that must never reach a parent's copy of a letter.
STAFF_WORDS = ["Send the", "Then monitor", "(stage-", "lateness.", "stages.", "evidence.", "Rule ", "the rung for",
               "For staff", "monitoring ended", "Seed 002", "proposes"]


# --- a server whose clock can be moved on ------------------------------------------------------------------------

class JourneyServer:
    """`rollbook serve --demo` on one SQLite file and port, emailing through `sink` every second; `restart(now)` stops
    it and starts it again on the same database with its clock at `now` (YYYY-MM-DDTHH:MM)."""

    def __init__(self, sink: SMTPSink, name: str):
        self.workdir = Path(tempfile.mkdtemp(prefix=f"rollbook-{name}-"))
        self.database = self.workdir / f"{name}.sqlite"
        self.log_path = self.workdir / "server.log"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, ROLLBOOK_SMTP_HOST="127.0.0.1", ROLLBOOK_SMTP_PORT=str(sink.port),
                        ROLLBOOK_SMTP_SECURITY="none", ROLLBOOK_SMTP_FROM="office@harbourlane.example.org",
                        ROLLBOOK_SMTP_FROM_NAME="Harbour Lane office", ROLLBOOK_OUTBOX_INTERVAL="1")
        for k in ("ROLLBOOK_DATABASE", "DATABASE_URL"):
            self.env.pop(k, None)
        self.process = None
        self.now_started = None
        self.tokens: dict[str, str] = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, now: str) -> None:
        log = open(self.log_path, "ab")
        log.write(f"\n=== serve --now {now} ===\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [str(rollbook_binary()), "serve", "--demo", "--port", str(self.port), "--bcrypt-cost", "4",
             "--database", str(self.database), "--now", now],
            cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        log.close()
        self.now_started = now
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the server (--now {now}) exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/api/openapi.json"), timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server (--now {now}) did not answer within 120 s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def restart(self, now: str) -> None:
        self.stop()
        self.start(now)

    def token(self, email: str) -> str:
        if email not in self.tokens:
            r = subprocess.run([str(rollbook_binary()), "token", "create", "--email", email, "--database", str(self.database)],
                               cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, f"rollbook token create failed: {r.stderr[-2000:]}"
            self.tokens[email] = r.stdout.strip().splitlines()[-1].strip()
        return self.tokens[email]

    def api(self, email: str, method: str, path: str, body=None):
        return api_call(self.base_url, self.token(email), method, path, body)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture
def journey():
    """(start a JourneyServer named so, the SMTP sink); every server started is stopped afterwards."""
    sink = SMTPSink().start()
    servers: list[JourneyServer] = []

    def make(name: str) -> JourneyServer:
        s = JourneyServer(sink, name)
        servers.append(s)
        return s
    try:
        yield make, sink
    finally:
        for s in servers:
            s.stop()
        sink.stop()


# --- steps ----------------------------------------------------------------------------------------------------

def seed_002(**changes) -> dict:
    """Seed 002's policy, in force from the demo's 2026/27 year, with the demo school's register times (so arrival
    times mean what they mean on the demo's registers)."""
    policy = json.loads(SEED_002.read_text())
    policy["effective_from"] = "2026-09-01"
    policy["register"]["am"] = {"opens": "8:45", "late_after": "8:55", "closes": "9:15"}
    policy.update(changes)
    return policy


def upload_policy(browser, server: JourneyServer, policy: dict) -> None:
    """The lead uploads the policy file on the /policy page; it is saved and in force."""
    path = server.workdir / "policy.json"
    path.write_text(json.dumps(policy, indent=1))
    go(browser, server, "/policy")
    browser.find_element(By.ID, "policy-file").send_keys(str(path))
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@action='/policy']//button[normalize-space()='Save version']"))
    check_form_was_accepted(browser)
    text = main_text(browser)
    assert f"Saved '{policy['name']}', in force from {policy['effective_from']}" in text, \
        f"uploading the policy did not save it:\n{text[:1200]}\n{server.log_tail(20)}"


def write_marks(server: JourneyServer, date: str, session: str, marks: list[dict]) -> None:
    """The office writes marks for a past (or open) register through the API, each with a reason."""
    status, body = server.api(OFFICE, "POST", f"/api/v1/registers/{date}/{session}", {"marks": marks})
    assert status == 200, f"POST /api/v1/registers/{date}/{session} {marks} answered {status}: {body}"


def late(upn: str, arrival: str = "9:05") -> dict:
    return {"upn": upn, "arrival_time": arrival, "reason": "Late book transcribed by the office"}


def actions_api(server: JourneyServer, day: str) -> list[dict]:
    status, body = server.api(LEAD, "GET", f"/api/v1/actions?as_of={day}")
    assert status == 200, f"GET /api/v1/actions answered {status}: {body}"
    return body


def choose_pupil(server: JourneyServer, day: str, *, rate_at_least: float = 0.0, rate_below: float = 1.01,
                 years: tuple[str, ...] = ("3", "4", "5", "6"), forms: tuple[str, ...] | None = None,
                 quiet: bool = True, exclude: set[str] = frozenset()) -> tuple[str, str]:
    """(upn, name) of a pupil on roll with parents who have email, attendance in [rate_at_least, rate_below), and (quiet)
    no action proposed for them today, so that what the journey proposes is the policy answering its own marks."""
    status, stats = server.api(LEAD, "GET", "/api/v1/statistics/pupils")
    assert status == 200, stats
    rates = {s["upn"]: s["attendance_rate"] for s in stats if s["possible_sessions"] > 50}
    busy = {a["upn"] for a in actions_api(server, day)} if quiet else set()
    status, pupils = server.api(LEAD, "GET", f"/api/v1/pupils?on_roll_on={day}")
    assert status == 200, pupils
    for p in pupils:
        if p.get("leaving_day") or p["year_group"] not in years or (forms and p["form"] not in forms):
            continue
        if p["upn"] in busy or p["upn"] in exclude or not (rate_at_least <= rates.get(p["upn"], -1) < rate_below):
            continue
        status, contacts = server.api(LEAD, "GET", f"/api/v1/pupils/{p['upn']}/contacts")
        if status == 200 and any(c.get("parental_responsibility") and c.get("email") for c in contacts):
            return p["upn"], p["name"]
    pytest.fail(f"no pupil fits (rate {rate_at_least}..{rate_below}, years {years}, forms {forms}, quiet {quiet})")


def worklist_item(browser, server, kind: str, upn: str, rule: str | None = None):
    """The worklist's item (li.action) of this kind for the pupil (and rule), shown with ?kind=…"""
    go(browser, server, f"/worklist?kind={kind}")
    assert h1(browser).startswith("Worklist"), f"/worklist is headed {h1(browser)!r}"
    for item in browser.find_elements(By.CSS_SELECTOR, "li.action"):
        if not item.find_elements(By.CSS_SELECTOR, f"h3 a[href='/pupils/{upn}']"):
            continue
        if rule and f"Rule {rule}:" not in item.find_element(By.CSS_SELECTOR, "p.meta").text:
            continue
        return item
    return None


def require_item(browser, server, kind: str, upn: str, rule: str | None = None):
    item = worklist_item(browser, server, kind, upn, rule)
    if item is None:
        status, actions = server.api(LEAD, "GET", f"/api/v1/actions")
        mine = [(a["kind"], a["rule"], a["due"], a["reason"][:160]) for a in (actions or []) if a.get("upn") == upn]
        pytest.fail(f"/worklist?kind={kind} has no item for {upn}{f' (rule {rule})' if rule else ''} on "
                    f"{server.now_started}; the API's actions for the pupil: {mine}\n{main_text(browser)[:800]}")
    return item


def send_letter_from(browser, item, letter_id: str, note: str) -> tuple[str, str]:
    """'Write the letter' on a worklist item, check the draft (the staff text apart, none of it in the letter),
    send it by email; returns (the reason staff saw, the flash)."""
    reason = item.find_element(By.CSS_SELECTOR, "p").text
    item.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys(note)
    submit_and_wait(browser, item.find_element(By.XPATH, ".//button[normalize-space()='Write the letter']"))
    assert f"({letter_id})" in h1(browser), f"the letter drafted is headed {h1(browser)!r}, not the '{letter_id}' letter"
    staff = browser.find_element(By.CSS_SELECTOR, "aside.staff-only").text
    assert "For staff" in staff and reason[:60] in staff, f"the staff box says {staff!r}"
    body = browser.find_element(By.ID, "send-body").get_attribute("value")
    subject = browser.find_element(By.ID, "send-subject").get_attribute("value")
    for w in STAFF_WORDS + [reason[:60]]:
        assert w not in body and w not in subject, f"the '{letter_id}' letter to send contains staff text {w!r}:\n{body[:800]}"
    email = browser.find_element(By.CSS_SELECTOR, "input[name=channel][value=email]")
    assert email.is_enabled(), "the pupil's parents have no email address"
    email.click()
    submit_and_wait(browser, browser.find_element(
        By.XPATH, "//form[@id='send-form']//button[normalize-space()='Send the letter and record it']"))
    check_form_was_accepted(browser)
    flash = browser.find_elements(By.CSS_SELECTOR, "#main p.ok")
    assert flash, f"sending the '{letter_id}' letter showed no message:\n{main_text(browser)[:1200]}"
    return reason, flash[0].text


def complete(browser, item, note: str) -> str:
    """'Done: record it' on a worklist item that sends no letter; returns the flash."""
    item.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys(note)
    submit_and_wait(browser, item.find_element(By.XPATH, ".//button[normalize-space()='Done: record it']"))
    check_form_was_accepted(browser)
    flash = browser.find_elements(By.CSS_SELECTOR, "#main p.ok")
    assert flash, f"completing the action showed no message:\n{main_text(browser)[:1200]}"
    return flash[0].text


def timeline(browser, server, upn: str) -> list[list[str]]:
    go(browser, server, f"/pupils/{upn}")
    return section_table_rows(browser, TIMELINE)


def parent_emails(server: JourneyServer, upn: str) -> set[str]:
    status, contacts = server.api(LEAD, "GET", f"/api/v1/pupils/{upn}/contacts")
    assert status == 200, contacts
    return {c["email"].lower() for c in contacts if c.get("parental_responsibility") and c.get("email")}


def new_mails(sink: SMTPSink, since: int, to: set[str], words: str, count: int = 1, timeout: float = 30):
    """The messages after the first `since` sent to any of `to` whose subject or text contains `words`, waiting
    (the outbox delivers every second) until there are at least `count`."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in sink.messages[since:] if {r.lower() for r in m.rcpt_tos} & to
                 and (words in m.subject or words in m.text)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"no email to {sorted(to)} with {words!r} arrived within {timeout} s; the sink has "
                        f"{[(m.rcpt_tos, m.subject) for m in sink.messages[since:]]}")
        time.sleep(0.2)


def check_no_staff_text(mail, reason: str) -> None:
    html_part = mail.message.get_body(preferencelist=("html",))
    parts = [mail.subject, mail.text] + ([html_part.get_content()] if html_part is not None else [])
    for part in parts:
        for w in STAFF_WORDS + [reason[:60]]:
            assert w not in part, f"the parents' copy ({mail.subject!r}) contains staff text {w!r}:\n{part[:1000]}"


# --- 1. the lateness ladder: written warning, panel meeting, then the attendance stages -------------------------

def test_lateness_ladder_reaches_a_panel_meeting_and_hands_over_to_stage_1(desktop, journey):
    make, sink = journey
    browser = desktop
    server = make("lateness")
    policy = seed_002(name="Harbour Lane lateness test policy (seed 002, handing over to stage 1)")
    for rung in policy["lateness"]:
        if rung["id"] == "panel":
            rung["hand_over"] = "stage-1"  # seed 002 hands over to stage-3; here to the first attendance stage
    first_stage = policy["stages"][0]

    # Thursday 26 November 2026, after registration: the lead puts the policy in force from September.
    server.start("2026-11-26T10:00")
    sign_in(browser, server, LEAD)
    upload_policy(browser, server, policy)
    upn, name = choose_pupil(server, "2026-11-26", rate_at_least=0.97)
    forename = name.split(" ")[0]
    parents = parent_emails(server, upn)

    # Late on Monday, Tuesday and Wednesday this week: 3 late arrivals, the written-warning rung.
    for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
        write_marks(server, day, "AM", [late(upn)])
    item = require_item(browser, server, "lateness", upn, "lateness.weekly-3-4")
    words = item.text
    assert item.find_element(By.CSS_SELECTOR, "h3").text.startswith(f"{name} · Lateness"), words
    assert "3 late arrivals" in words and "Then monitor for 4 school weeks" in words, words
    assert "proposes lateness: 3 or 4 late arrivals in a week" in words, words
    sent = len(sink.messages)
    reason, flash = send_letter_from(browser, item, "lateness-written-warning", "Written warning sent")
    assert name in flash and "Emailed to" in flash and "Now at 3 or 4 late arrivals in a week" in flash, flash
    rows = timeline(browser, server, upn)
    kinds = [r[1] for r in rows]
    assert kinds.count("Lateness step entered") == 1 and "Letter sent" in kinds, f"{name}'s timeline: {rows}"
    entered = rows[kinds.index("Lateness step entered")]
    assert entered[0] == "2026-11-26" and "3 or 4 late arrivals in a week" in entered[2], entered
    check_no_staff_text(new_mails(sink, sent, parents, forename)[0], reason)
    assert not worklist_item(browser, server, "lateness", upn), "the rung is proposed again to a pupil already in it"

    # Monitoring for 4 school weeks (to Thursday 7 January 2027, the Christmas holiday skipped): late three more times.
    server.restart("2027-01-08T10:00")
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        write_marks(server, day, "AM", [late(upn)])
    sign_in(browser, server, LEAD)
    item = require_item(browser, server, "lateness_review", upn)
    words = item.text
    assert item.find_element(By.CSS_SELECTOR, "h3").text.startswith(f"{name} · End of lateness monitoring"), words
    assert "ended 7 January 2027: 3 late arrivals in the period, more than 2: not improved" in words, words
    assert "proposes lateness: Lateness Panel Meeting" in words, words
    sent = len(sink.messages)
    reason, flash = send_letter_from(browser, item, "lateness-panel-invitation", "Panel meeting booked")
    assert "Now at Lateness Panel Meeting" in flash, flash
    rows = timeline(browser, server, upn)
    steps = [r for r in rows if r[1] == "Lateness step entered"]
    assert len(steps) == 2 and "Lateness Panel Meeting" in steps[0][2] and steps[0][0] == "2027-01-08", \
        f"{name}'s timeline should show the panel step entered on 2027-01-08 after the first: {rows}"
    assert [r for r in rows if r[1] == "Attendance contract" and r[0] == "2027-01-08"], \
        f"the panel meeting (attendance contract) is not on the timeline: {rows}"
    assert not [r for r in rows if r[1] == "Stage entered"], f"no attendance stage yet: {rows}"
    check_no_staff_text(new_mails(sink, sent, parents, forename)[0], reason)

    # The panel's half term of monitoring (the whole half term after entry, Spring 2, to 25 March 2027): still late.
    server.restart("2027-04-12T10:00")
    for day in ("2027-02-22", "2027-02-23", "2027-02-24"):
        write_marks(server, day, "AM", [late(upn)])
    sign_in(browser, server, LEAD)
    item = require_item(browser, server, "lateness_review", upn)
    words = item.text
    assert "ended 25 March 2027" in words and "not improved" in words, words
    assert f"proposes {first_stage['name']}" in words, f"the review should hand over to {first_stage['name']!r}: {words}"
    sent = len(sink.messages)
    if item.find_elements(By.XPATH, ".//button[normalize-space()='Write the letter']"):
        reason, flash = send_letter_from(browser, item, first_stage["letter"], "Handed over to the attendance stages")
        check_no_staff_text(new_mails(sink, sent, parents, forename)[0], reason)
    else:
        flash = complete(browser, item, "Handed over to the attendance stages")
    assert f"Now in {first_stage['name']}" in flash, flash
    rows = timeline(browser, server, upn)
    kinds = [r[1] for r in rows]
    assert kinds.count("Stage entered") == 1, f"{name}'s timeline should have one 'Stage entered': {rows}"
    stage_row = rows[kinds.index("Stage entered")]
    assert stage_row[0] == "2027-04-12" and first_stage["name"] in stage_row[2], stage_row
    ended = [r for r in rows if r[1] == "Lateness step ended"]
    assert ended and "Handed over to the attendance stages" in ended[0][2], f"the ladder is not ended: {rows}"
    # The worklist lists the pupil under the stage now.
    go(browser, server, "/worklist")
    assert name in main_text(browser) and first_stage["name"] in main_text(browser)


# --- 2. evidence: the deadline passes, I becomes O, the parents told first ---------------------------------------

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def demo_parent(browser, server) -> str:
    go(browser, server, "/parent/sign-in")
    emails = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#main code") if "@" in c.text]
    assert emails, f"the demo lists no parent accounts on /parent/sign-in:\n{main_text(browser)}"
    return emails[0]


def parent_sign_in(browser, server, email: str) -> tuple[str, str]:
    """Signs the parent in; (UPN, name) of their first child."""
    go(browser, server, "/parent/sign-in")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/parent/sign-in'] button[type=submit]"))
    check_form_was_accepted(browser)
    card = browser.find_element(By.CSS_SELECTOR, "li.child")
    link = card.find_element(By.XPATH, ".//a[starts-with(normalize-space(), 'See attendance')]")
    # The card's heading is the child's name and form.
    return link.get_attribute("href").rstrip("/").split("/")[-1], card.find_element(By.TAG_NAME, "h2").text.split("\n")[0].rsplit(" ", 1)[0]


def ask_for_evidence(browser, server, upn: str, day: str, note: str) -> str:
    go(browser, server, f"/pupils/{upn}")
    form = browser.find_element(By.ID, "evidence-form")
    browser.execute_script("arguments[0].value = arguments[1];", form.find_element(By.ID, "ev-from"), day)
    form.find_element(By.ID, "ev-note").send_keys(note)
    submit_and_wait(browser, form.find_element(By.XPATH, ".//button[normalize-space()='Ask for evidence']"))
    check_form_was_accepted(browser)
    flash = browser.find_elements(By.CSS_SELECTOR, "#main p.ok")
    assert flash and "Evidence asked for" in flash[0].text, f"asking for evidence for {day}:\n{main_text(browser)[:1200]}"
    return flash[0].text


def test_evidence_deadline_passing_makes_i_into_o_with_the_parents_told_first(desktop, journey):
    make, sink = journey
    browser = desktop
    server = make("evidence")
    policy = seed_002(name="Harbour Lane evidence test policy (seed 002)")
    ev = policy["evidence"]
    assert (ev["deadline_school_days"], ev["tell_parents_school_days_before"], ev["reminder_letter"], ev["by_hand"]) == \
        (10, 3, "evidence-reminder", True), ev

    server.start("2026-11-26T10:00")
    parent = demo_parent(browser, server)
    upn, child = parent_sign_in(browser, server, parent)
    forename = child.split(" ")[0]
    parents = parent_emails(server, upn)
    sign_in(browser, server, LEAD)
    upload_policy(browser, server, policy)

    # Ill on Monday 23 and Tuesday 24 November (as the parent phoned); the lead doubts it and asks for evidence, by
    # hand, for each day.
    for day in ("2026-11-23", "2026-11-24"):
        for session in ("AM", "PM"):
            write_marks(server, day, session, [{"upn": upn, "code": "I", "reason": "Parent phoned: ill"}])
    sent = len(sink.messages)
    flash = ask_for_evidence(browser, server, upn, "2026-11-23", "Doubtful: third Monday this term")
    assert "Emailed to" in flash, flash
    ask_for_evidence(browser, server, upn, "2026-11-24", "Doubtful: third Tuesday this term")
    for mail in new_mails(sink, sent, parents, forename, count=2):
        assert "Doubtful" not in mail.text and "Doubtful" not in mail.subject, \
            f"the parents' request for evidence contains the staff note:\n{mail.text}"
    rows = timeline(browser, server, upn)
    assert len([r for r in rows if r[1] == "Evidence requested"]) == 2, f"{child}'s timeline: {rows}"
    # Two more pupils ill on the Tuesday, evidence asked for too: for `job_upn` the parents will be reminded and the
    # daily job will amend; for `untold_upn` nobody sends the reminder, so nothing may be amended.
    job_upn, job_name = choose_pupil(server, "2026-11-26", exclude={upn})
    untold_upn, untold_name = choose_pupil(server, "2026-11-26", exclude={upn, job_upn})
    for other in (job_upn, untold_upn):
        for session in ("AM", "PM"):
            write_marks(server, "2026-11-24", session, [{"upn": other, "code": "I", "reason": "Parent phoned: ill"}])
        ask_for_evidence(browser, server, other, "2026-11-24", "Doubtful: third Tuesday this term")

    # The parent sends a doctor's note for Monday only, from the parent portal.
    go(browser, server, "/today")
    browser.delete_all_cookies()
    parent_sign_in(browser, server, parent)
    go(browser, server, f"/parent/children/{upn}")
    cards = browser.find_elements(By.CSS_SELECTOR, "#evidence li.card")
    assert len(cards) == 2, f"the parent should see two requests for evidence:\n{main_text(browser)[:1500]}"
    monday = [c for c in cards if "23 November" in c.text or "2026-11-23" in c.text]
    assert len(monday) == 1, f"no single request for Monday 23 November among {[c.text for c in cards]}"
    pdf = server.workdir / "doctors-note.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    monday[0].find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(pdf))
    submit_and_wait(browser, monday[0].find_element(By.XPATH, ".//button[normalize-space()='Send the evidence']"))
    check_form_was_accepted(browser)
    text = main_text(browser)
    assert "The school has your evidence for Monday 23 November 2026" in text, text[:1200]
    go(browser, server, f"/parent/children/{upn}")
    left = browser.find_elements(By.CSS_SELECTOR, "#evidence li.card")
    assert len(left) == 1 and "Tuesday 24 November 2026" in left[0].text, \
        f"after sending Monday's evidence the parent should see only Tuesday's request:\n{main_text(browser)[:1500]}"
    browser.delete_all_cookies()
    sign_in(browser, server, LEAD)
    received = [r for r in timeline(browser, server, upn) if r[1] == "Evidence received"]
    assert len(received) == 1 and "Monday 23 November 2026" in received[0][2] and "doctors-note.pdf" in received[0][2], \
        f"the parent's evidence is not on {child}'s timeline: {received}"

    # Three school days before the deadline the worklist says to tell the parents; the lead sends the reminder.
    server.restart("2026-12-07T10:00")
    sign_in(browser, server, LEAD)
    item = require_item(browser, server, "evidence_reminder", upn, "evidence.tell_parents_school_days_before")
    words = item.text
    assert item.find_element(By.CSS_SELECTOR, "h3").text.startswith(f"{child} · Evidence due soon: tell the parents"), words
    assert "24 November 2026 AM (I), 24 November 2026 PM (I)" in words and "unauthorised" in words, words
    assert "23 November" not in words, f"the reminder covers Monday, for which evidence was sent: {words}"
    sent = len(sink.messages)
    reason, flash = send_letter_from(browser, item, "evidence-reminder", "Reminder emailed")
    assert "Emailed to" in flash, flash
    reminder = new_mails(sink, sent, parents, forename)[0]
    check_no_staff_text(reminder, reason)
    assert "unauthorised" in reminder.text.lower(), f"the reminder does not say what happens without evidence:\n{reminder.text}"
    go(browser, server, "/outbox")
    assert reminder.subject in main_text(browser), f"the outbox does not list the reminder {reminder.subject!r}"
    item = require_item(browser, server, "evidence_reminder", job_upn, "evidence.tell_parents_school_days_before")
    send_letter_from(browser, item, "evidence-reminder", "Reminder emailed")
    assert worklist_item(browser, server, "evidence_reminder", untold_upn), f"no reminder proposed for {untold_name}"

    # The school day after the deadline, before the AM register closes (so the daily job has not run): the worklist
    # proposes Tuesday's I become O; the lead completes it.
    server.restart("2026-12-11T08:47")
    sign_in(browser, server, LEAD)
    item = require_item(browser, server, "evidence_deadline", upn)
    words = item.text
    assert item.find_element(By.CSS_SELECTOR, "h3").text.startswith(f"{child} · Evidence not received"), words
    assert "The parents were told in advance" in words and "Amend each to O (unauthorised): 24 November 2026 AM (I), " \
        "24 November 2026 PM (I)" in words, words
    assert "23 November" not in words, f"the deadline action lists Monday, for which evidence was sent: {words}"
    if item.find_elements(By.XPATH, ".//button[normalize-space()='Write the letter']"):
        _, flash = send_letter_from(browser, item, "evidence-deadline", "No evidence")
    else:
        flash = complete(browser, item, "No evidence received")
    assert "2 marks amended to O" in flash, flash
    assert worklist_item(browser, server, "evidence_deadline", job_upn), \
        f"no 'Evidence not received' for {job_name}, whose parents were reminded"
    assert not worklist_item(browser, server, "evidence_deadline", untold_upn), \
        f"an amendment to O is proposed for {untold_name}, whose parents were never told"
    assert worklist_item(browser, server, "evidence_reminder", untold_upn), \
        f"the reminder for {untold_name}'s parents is no longer proposed, though nobody sent it"

    go(browser, server, f"/pupils/{upn}")
    amendments = section_table_rows(browser, AMENDMENTS)
    tuesday = [r for r in amendments if r[0] in ("2026-11-24 AM", "2026-11-24 PM") and r[2] == "O"]
    assert len(tuesday) == 2, f"{child}'s Amendments should show Tuesday's two sessions amended to O: {amendments}"
    for r in tuesday:
        assert r[1] == "I" and r[3].startswith("No evidence received by 10 December 2026 (asked for on 26 November 2026)") \
            and r[4] == "2026-12-11 08:47", f"the amendment to O should be from I, now, with the reason: {r}"
        assert "Lee Lead" in r[5], f"the amendment is by the lead who completed the action, not the daily job: {r}"
    assert not [r for r in amendments if r[0].startswith("2026-11-23") and r[2] == "O"], \
        f"Monday, for which evidence was sent, was amended: {amendments}"
    go(browser, server, f"/registers/2026-11-24/AM?form={form_of(server, upn)}")
    line = browser.find_element(By.XPATH, f"//li[contains(@class,'pupil')][.//a[@href='/pupils/{upn}']]")
    assert line.find_element(By.CSS_SELECTOR, ".current").text.startswith("O "), line.text
    go(browser, server, f"/registers/2026-11-23/AM?form={form_of(server, upn)}")
    line = browser.find_element(By.XPATH, f"//li[contains(@class,'pupil')][.//a[@href='/pupils/{upn}']]")
    assert line.find_element(By.CSS_SELECTOR, ".current").text.startswith("I "), line.text

    # After the AM register closes the daily job runs: it amends the reminded pupil's Tuesday, and leaves Monday's
    # evidenced I and the pupil whose parents were never told alone.
    server.restart("2026-12-11T10:00")
    deadline = time.monotonic() + 30
    while "Daily evaluation for" not in server.log_path.read_text(errors="replace").split("--now 2026-12-11T10:00")[-1]:
        assert time.monotonic() < deadline, f"the daily job did not run:\n{server.log_tail()}"
        time.sleep(0.5)

    def codes(who: str) -> dict:
        status, marks = server.api(OFFICE, "GET", f"/api/v1/pupils/{who}/marks?from=2026-11-23&to=2026-11-24")
        assert status == 200, marks
        return {(m["date"], m["session"]): m["code"] for m in marks}
    assert codes(upn) == {("2026-11-23", "AM"): "I", ("2026-11-23", "PM"): "I", ("2026-11-24", "AM"): "O",
                          ("2026-11-24", "PM"): "O"}, codes(upn)
    tuesday = {k: v for k, v in codes(job_upn).items() if k[0] == "2026-11-24"}
    assert tuesday == {("2026-11-24", "AM"): "O", ("2026-11-24", "PM"): "O"}, \
        f"the daily job did not amend {job_name}'s Tuesday to O: {tuesday}\n{server.log_tail(10)}"
    untold = {k: v for k, v in codes(untold_upn).items() if k[0] == "2026-11-24"}
    assert untold == {("2026-11-24", "AM"): "I", ("2026-11-24", "PM"): "I"}, \
        f"{untold_name}'s Tuesday was amended though the parents were never told: {untold}"
    sign_in(browser, server, LEAD)
    go(browser, server, f"/pupils/{job_upn}")
    by_job = [r for r in section_table_rows(browser, AMENDMENTS) if r[0].startswith("2026-11-24") and r[2] == "O"]
    assert len(by_job) == 2 and all(r[1] == "I" and r[5] == "Rollbook, Daily evaluation" and
                                     r[3].startswith("No evidence received by 10 December 2026") for r in by_job), by_job


def form_of(server: JourneyServer, upn: str) -> str:
    status, pupil = server.api(OFFICE, "GET", f"/api/v1/pupils/{upn}")
    assert status == 200, pupil
    return pupil["pupil"]["form"]


# --- 3. a stage that repeats each term ---------------------------------------------------------------------------

def stage_1_pupil(server: JourneyServer, day: str) -> tuple[str, str]:
    """(upn, name) of a pupil of years 1-6 the policy proposes for stage-1 today, attendance nearest 95%, whose
    parents have email."""
    proposed = [a for a in actions_api(server, day) if a["kind"] == "stage_entry" and a["rule"] == "stages.stage-1"]
    proposed.sort(key=lambda a: abs(a["figures"].get("attendance_rate", 0) - 0.95))
    for a in proposed:
        status, pupil = server.api(OFFICE, "GET", f"/api/v1/pupils/{a['upn']}")
        if status == 200 and pupil["pupil"]["year_group"] != "R" and parent_emails(server, a["upn"]):
            return a["upn"], pupil["pupil"]["name"]
    pytest.fail(f"no pupil proposed for stage-1 on {day} has parents with email: {[a['upn'] for a in proposed]}")


def test_stage_letter_repeats_at_the_next_term(desktop, journey):
    make, sink = journey
    browser = desktop
    server = make("repeat")
    policy = seed_002(name="Harbour Lane termly letters test policy (seed 002)")
    stage = policy["stages"][0]
    assert stage["repeat"] == "term" and stage["letter"] == "rag-upper-amber", stage

    server.start("2026-11-26T10:00")
    sign_in(browser, server, LEAD)
    upload_policy(browser, server, policy)
    upn, name = stage_1_pupil(server, "2026-11-26")
    forename = name.split(" ")[0]
    parents = parent_emails(server, upn)

    # Autumn term: attendance in the upper amber band, the stage's letter proposed; the lead sends it.
    item = require_item(browser, server, "stage_entry", upn, "stages.stage-1")
    words = item.text
    assert f"proposes {stage['name']}" in words and "below" in words, words
    sent = len(sink.messages)
    reason, flash = send_letter_from(browser, item, "rag-upper-amber", "Autumn letter")
    assert f"Now in {stage['name']}" in flash, flash
    autumn = new_mails(sink, sent, parents, forename)[0]
    check_no_staff_text(autumn, reason)
    read = re.search(r"Attendance (\d+\.\d)% over the year to date", reason)
    told = re.search(r"attendance this school year is (\d+\.\d)%", autumn.text)
    assert read and told, f"the figures: staff {reason!r}, parents {autumn.text!r}"
    assert read.group(1) == told.group(1), \
        f"the letter tells the parents {told.group(1)}% while the policy read {read.group(1)}% on the same day"
    rows = timeline(browser, server, upn)
    assert [r[1] for r in rows].count("Stage entered") == 1 and [r[1] for r in rows].count("Letter sent") == 1, rows
    assert not worklist_item(browser, server, "stage_entry", upn), "the stage is proposed again in the same term"

    # Spring term (from Tuesday 5 January 2027, after an INSET day): in school on its first day, but attendance over
    # the year is still below 96%.
    server.restart("2027-01-06T10:00")
    write_marks(server, "2027-01-05", "AM", [{"upn": upn, "code": "/", "reason": "Register taken on paper"}])
    write_marks(server, "2027-01-05", "PM", [{"upn": upn, "code": "\\", "reason": "Register taken on paper"}])
    sign_in(browser, server, LEAD)
    item = require_item(browser, server, "stage_entry", upn, "stages.stage-1")
    words = item.text
    assert f"proposes {stage['name']}" in words, words
    assert "Again this term (from 4 January 2027), the stage repeating each term while its trigger holds" in words, words
    sent = len(sink.messages)
    reason, flash = send_letter_from(browser, item, "rag-upper-amber", "Spring letter")
    assert f"Still in {stage['name']}" in flash and "Now in" not in flash, flash
    check_no_staff_text(new_mails(sink, sent, parents, forename)[0], reason)
    rows = timeline(browser, server, upn)
    kinds = [r[1] for r in rows]
    assert kinds.count("Stage entered") == 1, f"a second 'Stage entered' for a termly letter: {rows}"
    letters = [r for r in rows if r[1] == "Letter sent"]
    assert [r[0] for r in letters] == ["2027-01-06", "2026-11-26"] and all("rag-upper-amber" in r[2] for r in letters), \
        f"{name}'s timeline should show the autumn and the spring letters: {rows}"
    assert rows[kinds.index("Stage entered")][0] == "2026-11-26", rows
