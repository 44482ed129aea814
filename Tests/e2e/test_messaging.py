"""The outbox through real servers on loopback: email over SMTP to an aiosmtpd server, SMS through an HTTP server that
speaks GOV.UK Notify's v2 API (fakes.py). Nothing is faked inside Rollbook: `rollbook messages run --now T` is one
pass of the same worker the server runs every 30 s.

The school is the demo primary marked to Tuesday 2026-11-24; Wednesday's marks are imported for a few pupils, so
every other pupil has no mark and gets no message. AM registers close at 09:15, PM at 13:15.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from fakes import NotifyServer, SMTPSink, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-25"


def binary() -> str:
    b = Path(os.environ.get("ROLLBOOK_BIN", REPO_ROOT / ".build" / "debug" / "rollbook"))
    return str(b if b.is_absolute() else REPO_ROOT / b)


class School:
    """A demo database, with the channels pointed at the loopback servers."""

    def __init__(self, folder: Path, sink: SMTPSink, notify: NotifyServer, public_url: str):
        self.db = folder / "messages.sqlite"
        self.env = dict(os.environ,
                        ROLLBOOK_SMTP_HOST="127.0.0.1", ROLLBOOK_SMTP_PORT=str(sink.port), ROLLBOOK_SMTP_SECURITY="none",
                        ROLLBOOK_SMTP_FROM="office@harbourlane.example.org", ROLLBOOK_SMTP_FROM_NAME="Harbour Lane office",
                        ROLLBOOK_NOTIFY_URL=notify.base_url, ROLLBOOK_NOTIFY_API_KEY=notify.api_key,
                        ROLLBOOK_NOTIFY_SMS_TEMPLATE=notify.sms_template_id,
                        ROLLBOOK_MESSAGE_RETRY_DELAYS="60,120", ROLLBOOK_PUBLIC_URL=public_url)
        r = self.run("demo", "--through", "2026-11-24", "--bcrypt-cost", "4")
        assert r.returncode == 0, r.stderr

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([binary(), *args, "--database", str(self.db)], capture_output=True, text=True, timeout=120,
                              env=self.env)

    def pass_at(self, hhmm: str) -> str:
        r = self.run("messages", "run", "--now", f"{DAY}T{hhmm}")
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def outbox(self) -> list[dict]:
        r = self.run("messages", "list")
        assert r.returncode == 0, r.stderr
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def sql(self, query: str, *args) -> list[tuple]:
        with sqlite3.connect(self.db) as c:
            return c.execute(query, args).fetchall()

    def pupils_with_contacts(self, n: int) -> list[dict]:
        """n pupils whose first two contacts both have an email and a phone: UPN, id and those contacts."""
        rows = self.sql("""SELECT p.id, p.upn, p.preferred_forename, p.legal_forename FROM pupils p
                           WHERE (SELECT count(*) FROM contacts c WHERE c.pupil_id = p.id AND c.email <> '' AND c.phone <> '') >= 2
                           ORDER BY p.id LIMIT ?""", n)
        out = []
        for pid, upn, preferred, legal in rows:
            contacts = self.sql("SELECT priority, name, email, phone FROM contacts WHERE pupil_id = ? ORDER BY priority", pid)
            out.append({"id": pid, "upn": upn, "forename": preferred or legal,
                        "contacts": [{"priority": c[0], "name": c[1], "email": c[2], "phone": c[3]} for c in contacts]})
        return out

    def import_marks(self, folder: Path, lines: list[str]) -> None:
        f = folder / f"marks-{len(lines)}-{time.monotonic_ns()}.csv"
        f.write_text("upn,date,session,code,minutes_late\n" + "\n".join(lines) + "\n")
        r = self.run("import", "marks", str(f))
        assert r.returncode == 0, r.stderr


@pytest.fixture
def sink():
    s = SMTPSink().start()
    yield s
    s.stop()


@pytest.fixture
def notify():
    n = NotifyServer().start()
    yield n
    n.stop()


def first_with(p: dict, field: str) -> dict:
    return next(c for c in p["contacts"] if c[field])


def test_day_one_messages_go_after_close_to_the_first_contact_once_and_never_for_a_trip_or_a_late_arrival(tmp_path, sink, notify):
    school = School(tmp_path, sink, notify, "http://127.0.0.1:1")
    absent, trip, late, also_absent = school.pupils_with_contacts(4)
    school.import_marks(tmp_path, [f"{absent['upn']},{DAY},AM,N,", f"{trip['upn']},{DAY},AM,V,", f"{late['upn']},{DAY},AM,L,12",
                                   f"{also_absent['upn']},{DAY},AM,N,"])

    # Before the AM register closes (09:15): nothing, however many N marks there are.
    assert school.pass_at("09:10").startswith("0 day-1 messages queued")
    assert sink.messages == [] and notify.sent() == []

    # After it closes: one email and one text for each pupil still unexplained, to the first contact in priority order.
    line = school.pass_at("09:16")
    assert line.startswith("4 day-1 messages queued; 4 sent"), line
    sink.wait_for(2)
    for p in (absent, also_absent):
        first = first_with(p, "email")
        mails = sink.messages_to(first["email"])
        assert len(mails) == 1, f"expected one email to {first['email']}, got {len(mails)}"
        assert mails[0].subject == f"{p['forename']} is absent from school today"
        assert "/reply/" in mails[0].text
        texts = [n for n in notify.sent("sms") if n.recipient == first_with(p, "phone")["phone"]]
        assert len(texts) == 1 and p["forename"] in texts[0].personalisation["body"]
        assert texts[0].template_id == notify.sms_template_id and texts[0].reference
        # Nobody else of the family was written to.
        for other in p["contacts"][1:]:
            if other["email"] != first["email"]:
                assert sink.messages_to(other["email"]) == []
    # The pupil on a trip (V) and the pupil who arrived late (L) get nothing.
    for p in (trip, late):
        for c in p["contacts"]:
            assert sink.messages_to(c["email"]) == [] and not [n for n in notify.sent() if n.recipient == c["phone"]]
    assert len(sink.messages) == 2 and len(notify.sent()) == 2

    # Again later: no second message for the same absence. Notify has reported its texts delivered (each pass asks).
    line = school.pass_at("09:40")
    assert line.startswith("0 day-1 messages queued; 0 sent"), line
    assert len(sink.messages) == 2 and len(notify.sent()) == 2
    states = {(m["channel"], m["state"]) for m in school.outbox()}
    assert states == {("email", "sent"), ("sms", "delivered")}, states


def test_a_failed_delivery_is_retried_then_failed_and_the_next_contact_is_tried(tmp_path, sink, notify):
    school = School(tmp_path, sink, notify, "http://127.0.0.1:1")
    (p,) = school.pupils_with_contacts(1)
    first, second = p["contacts"][0], p["contacts"][1]
    sink.reject(first["email"], 451)           # a temporary refusal: try again later
    notify.fail(first["phone"], 500)            # Notify is down for this number
    school.import_marks(tmp_path, [f"{p['upn']},{DAY},PM,N,"])

    assert school.pass_at("13:16").startswith("2 day-1 messages queued; 0 sent, 2 to retry")
    # Not yet due again (the first retry is 60 s later): nothing is attempted.
    assert "0 sent, 0 to retry, 0 failed" in school.pass_at("13:16")
    assert "2 to retry" in school.pass_at("13:17")          # second attempt, next one 120 s later
    line = school.pass_at("13:19")                            # third and last attempt
    assert "2 failed" in line, line
    mine = [m for m in school.outbox() if m["recipient"] in (first["email"], first["phone"])]
    assert {(m["state"], m["attempts"]) for m in mine} == {("failed", "3")}, mine
    assert all("temporary failure" in m["last_error"] for m in mine)

    # The next contact in priority order gets the day-1 message instead, once.
    line = school.pass_at("13:20")
    assert "2 sent" in line, line
    assert len(sink.messages_to(second["email"])) == 1
    assert [n.recipient for n in notify.sent("sms")] == [second["phone"]]
    assert sink.messages_to(first["email"]) == []
    assert "0 sent" in school.pass_at("13:30")


def test_a_permanent_refusal_is_not_retried(tmp_path, sink, notify):
    school = School(tmp_path, sink, notify, "http://127.0.0.1:1")
    (p,) = school.pupils_with_contacts(1)
    sink.reject(p["contacts"][0]["email"], 550)
    school.import_marks(tmp_path, [f"{p['upn']},{DAY},AM,N,"])
    line = school.pass_at("09:16")
    assert "1 failed" in line and "to retry" in line, line
    failed = [m for m in school.outbox() if m["recipient"] == p["contacts"][0]["email"]]
    assert [(m["state"], m["attempts"]) for m in failed] == [("failed", "1")]
    assert "permanent failure" in failed[0]["last_error"]


def test_the_reply_link_in_a_day_one_message_gives_the_reason_once_without_signing_in(tmp_path, sink, notify):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    school = School(tmp_path, sink, notify, base)
    (p,) = school.pupils_with_contacts(1)
    school.import_marks(tmp_path, [f"{p['upn']},{DAY},AM,N,"])
    school.pass_at("09:16")
    (mail,) = sink.wait_for(1)
    link = re.search(r"(http://\S+/reply/\S+)", mail.text).group(1)

    server = subprocess.Popen([binary(), "serve", "--port", str(port), "--database", str(school.db), "--bcrypt-cost", "4",
                               "--now", f"{DAY}T09:30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(link).read().decode()
        assert f"Why is {p['forename']} absent?" in page or p["forename"] in page
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf": token, "sessions": "both", "category": "illness", "note": "Temperature overnight"}).encode()
        reply = opener.open(link, data=form).read().decode()
        assert "Thank you" in reply
        reports = school.sql("SELECT via, category, note, state, reported_by FROM absence_reports WHERE pupil_id = ?", p["id"])
        assert reports == [("link", "illness", "Temperature overnight", "pending", p["contacts"][0]["name"])]
        # The link works once.
        with pytest.raises(urllib.error.HTTPError) as again:
            opener.open(link)
        assert again.value.code == 410
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_email_over_starttls_with_auth_to_a_server_with_its_own_certificate(tmp_path, notify):
    """The usual school setup: a relay on port 587 that wants STARTTLS and a login. Rollbook verifies the server's
    certificate (here one made for the test and trusted through ROLLBOOK_SMTP_CA_FILE) and logs in."""
    import ssl
    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                           "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    sink = SMTPSink("rollbook-relay", "s3cret-relay-pass", tls_context=context, require_starttls=True).start()
    try:
        school = School(tmp_path, sink, notify, "http://127.0.0.1:1")
        school.env.update(ROLLBOOK_SMTP_SECURITY="starttls", ROLLBOOK_SMTP_CA_FILE=str(cert),
                          ROLLBOOK_SMTP_USERNAME="rollbook-relay", ROLLBOOK_SMTP_PASSWORD="s3cret-relay-pass")
        school.env.pop("ROLLBOOK_NOTIFY_API_KEY")
        (p,) = school.pupils_with_contacts(1)
        school.import_marks(tmp_path, [f"{p['upn']},{DAY},AM,N,"])
        line = school.pass_at("09:16")
        assert "1 sent" in line, line
        (mail,) = sink.wait_for(1)
        assert mail.authenticated_as == "rollbook-relay"
        assert mail.rcpt_tos == [p["contacts"][0]["email"]] and mail.subject == f"{p['forename']} is absent from school today"

        # A wrong password is a refusal by the server (5xx): failed at once, with the server's words kept.
        school.env["ROLLBOOK_SMTP_PASSWORD"] = "wrong"
        (q,) = [x for x in school.pupils_with_contacts(2) if x["id"] != p["id"]]
        school.import_marks(tmp_path, [f"{q['upn']},{DAY},AM,N,"])
        assert "1 failed" in school.pass_at("09:20")
        failed = [m for m in school.outbox() if m["recipient"] == q["contacts"][0]["email"]]
        assert failed[0]["state"] == "failed" and "535" in failed[0]["last_error"], failed
    finally:
        sink.stop()
