"""Letters a parent can receive (issue 13), in a browser against a real server whose email goes to an SMTP server on
loopback (fakes.SMTPSink): the attendance lead edits a letter's wording, completes a stage entry from the worklist,
edits that letter before sending, and the parents' copies (text and HTML parts) carry the edits and none of the
staff instruction. Seed 003: the attendance officer will 'amend the attendance letters appropriately'.
"""

from __future__ import annotations

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
from selenium.webdriver.common.keys import Keys

from fakes import SMTPSink, free_port
from helpers import LEAD, check_form_was_accepted, go, h1, main_text, rollbook_binary, sign_in, submit_and_wait, wait, xpath_string

NOW = "2026-11-25T08:46"


class LetterServer:
    """`rollbook serve --demo` on its own SQLite file and port, emailing through `sink` every second."""

    def __init__(self, sink: SMTPSink):
        self.workdir = Path(tempfile.mkdtemp(prefix="rollbook-letters-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, ROLLBOOK_SMTP_HOST="127.0.0.1", ROLLBOOK_SMTP_PORT=str(sink.port), ROLLBOOK_SMTP_SECURITY="none",
                   ROLLBOOK_SMTP_FROM="office@harbourlane.example.org", ROLLBOOK_SMTP_FROM_NAME="Harbour Lane office",
                   ROLLBOOK_OUTBOX_INTERVAL="1")
        self.log = open(self.workdir / "server.log", "wb")
        self.process = subprocess.Popen(
            [str(rollbook_binary()), "serve", "--demo", "--port", str(self.port), "--bcrypt-cost", "4",
             "--database", str(self.workdir / "letters.sqlite"), "--now", NOW],
            cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, f"the server exited: {(self.workdir / 'server.log').read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(self.url("/"), timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 120 s"
            time.sleep(0.2)

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def letters_server():
    sink = SMTPSink().start()
    srv = LetterServer(sink)
    try:
        yield srv, sink
    finally:
        srv.stop()
        sink.stop()


STAFF_WORDS = ["Send the", "Then monitor", "(stage-", "below the", "Stage entry"]


def test_lead_edits_a_letter_then_edits_it_again_before_sending_and_parents_get_no_staff_text(desktop, letters_server):
    server, sink = letters_server
    browser = desktop
    sign_in(browser, server, LEAD)

    # A stage entry whose stage names a letter, with parents who have email.
    go(browser, server, "/worklist?kind=stage_entry")
    items = browser.find_elements(By.CSS_SELECTOR, "li.action")
    chosen = None
    for item in items:
        reason = item.find_element(By.CSS_SELECTOR, "p").text
        m = re.search(r"Send the '([^']+)' letter", reason)
        if m and item.find_elements(By.XPATH, ".//button[normalize-space()='Write the letter']"):
            chosen = (item.find_element(By.CSS_SELECTOR, "input[name=key]").get_attribute("value"),
                      item.find_element(By.CSS_SELECTOR, "h3 a").text, reason, m.group(1))
            break
    assert chosen, f"no stage entry with a letter on the worklist: {main_text(browser)[:600]}"
    key, name, reason, letter_id = chosen

    # The lead edits the school's wording of that letter.
    go(browser, server, f"/letters/{letter_id}")
    assert h1(browser).split(" ")[0], "the letter page has no heading"
    body = browser.find_element(By.ID, "letter-body")
    assert "{parents}" in body.get_attribute("value"), "the built-in letter starts with the parents' names"
    # An unknown merge field is refused, naming it.
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("\n\nSee you at {parents_evening}.")
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save the letter']"))
    error = browser.find_element(By.CSS_SELECTOR, "p.error").text
    assert "{parents_evening}" in error, error
    body = browser.find_element(By.ID, "letter-body")
    text = body.get_attribute("value").replace("\n\nSee you at {parents_evening}.", "")
    text = text.replace("Dear {parents},", "Dear {parents},\n\nOur breakfast club opens at 8:00 every school morning, free for {forename}.", 1)
    browser.execute_script("arguments[0].value = arguments[1];", body, text)
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save the letter']"))
    check_form_was_accepted(browser)
    assert "saved" in browser.find_element(By.CSS_SELECTOR, "#main p.ok").text
    preview = browser.find_element(By.CSS_SELECTOR, "article.letter").text
    assert "Our breakfast club opens at 8:00" in preview, preview[:400]
    # The preview follows the typing, merged for the pupil chosen.
    body = browser.find_element(By.ID, "letter-body")
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("\n\nThank you, {forename}'s family.")
    wait(browser).until(lambda d: "Thank you," in d.find_element(By.ID, "letter-preview").text)
    assert "{forename}" not in browser.find_element(By.ID, "letter-preview").text

    # The lead completes the stage entry: the letter comes up to edit, with the staff text kept apart.
    go(browser, server, "/worklist?kind=stage_entry")
    item = browser.find_element(By.XPATH, f"//li[contains(@class,'action')][.//input[@name='key' and @value={xpath_string(key)}]]")
    submit_and_wait(browser, item.find_element(By.XPATH, ".//button[normalize-space()='Write the letter']"))
    assert "For staff" in browser.find_element(By.CSS_SELECTOR, "aside.staff-only").text
    draft = browser.find_element(By.ID, "send-body")
    value = draft.get_attribute("value")
    assert "Our breakfast club opens at 8:00" in value, "the school's own wording is used"
    for w in STAFF_WORDS:
        assert w not in value, f"the letter to send contains staff text {w!r}: {value[:500]}"
    email = browser.find_element(By.CSS_SELECTOR, "input[name=channel][value=email]")
    assert email.is_enabled(), "the chosen pupil's parents have no email address"
    draft.send_keys(Keys.CONTROL, Keys.END)
    draft.send_keys("\n\nP.S. Mrs Example in the office can help with uniform too.")
    browser.find_element(By.CSS_SELECTOR, "input[name=channel][value=both]").click()
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='send-form']//button[normalize-space()='Send the letter and record it']"))
    check_form_was_accepted(browser)
    # By post too: the printable letter, exactly as sent.
    kept = browser.find_element(By.CSS_SELECTOR, "article.letter").text
    assert "Mrs Example in the office" in kept and "Our breakfast club" in kept, kept[:600]
    assert browser.find_elements(By.ID, "print"), "the letter page has no Print button"

    # Each parent's copy: text and HTML parts, the edits in both, no staff instruction anywhere.
    mails = sink.wait_for(1, timeout=30)
    assert mails
    for mail in mails:
        html_part = mail.message.get_body(preferencelist=("html",))
        assert html_part is not None, "the letter has no HTML part"
        html_text = html_part.get_content()
        for part in (mail.text, html_text, mail.subject):
            for w in STAFF_WORDS + [reason]:
                assert w not in part, f"the parent's copy contains staff text {w!r}"
        assert "Mrs Example in the office can help with uniform too." in mail.text
        assert "Our breakfast club opens at 8:00" in mail.text and "Our breakfast club opens at 8:00" in html_text
        assert name.split(" ")[0] in mail.text

