"""Two Rollbook servers behind one PostgreSQL, as a trust or LA would run them: real processes on loopback.

A session begun on one instance works on the other and ends on both; failed sign-ins on one count on the other;
the background jobs run on both, yet each day-1 message goes once and the daily job runs once per school and day.
Needs ROLLBOOK_TEST_POSTGRES_URL (CI sets it).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from fakes import SMTPSink
from helpers import PASSWORD, PostgresDatabase, free_port, postgres_tool, rollbook_binary

DAY = "2026-11-25"

pytestmark = pytest.mark.skipif(not os.environ.get("ROLLBOOK_TEST_POSTGRES_URL"), reason="needs ROLLBOOK_TEST_POSTGRES_URL")


class Instance:
    def __init__(self, workdir: Path, env: dict[str, str], name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(rollbook_binary()), "serve", "--port", str(self.port), "--now", f"{DAY}T09:20", "--bcrypt-cost", "4"],
                cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.url + "/api/openapi.json", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        pytest.fail(f"{self.url} did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    """One cookie jar used against either instance."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str, str]:
        with self.opener.open(url, timeout=30) as r:
            return r.status, r.geturl(), r.read().decode()

    def post(self, base: str, page: str, action: str, fields: dict[str, str]) -> tuple[int, str]:
        token = re.search(r'name="csrf" value="([^"]+)"', self.get(base + page)[2]).group(1)
        body = urllib.parse.urlencode({"csrf": token, **fields}).encode()
        try:
            with self.opener.open(base + action, data=body, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def psql(url: str, query: str) -> list[list[str]]:
    r = subprocess.run([postgres_tool("psql"), "--no-psqlrc", "-At", "-F", "\t", "-d", url, "-c", query],
                       capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def test_two_instances_share_sessions_throttling_and_jobs(tmp_path):
    sink = SMTPSink().start()
    with PostgresDatabase("instances") as pg:
        env = {k: v for k, v in os.environ.items() if k not in ("ROLLBOOK_DATABASE",)}
        env.update(DATABASE_URL=pg.url, ROLLBOOK_SMTP_HOST="127.0.0.1", ROLLBOOK_SMTP_PORT=str(sink.port),
                   ROLLBOOK_SMTP_SECURITY="none", ROLLBOOK_SMTP_FROM="office@harbourlane.example.org",
                   ROLLBOOK_OUTBOX_INTERVAL="0.5", ROLLBOOK_PUBLIC_URL="http://127.0.0.1:1")
        run = lambda *a: subprocess.run([str(rollbook_binary()), *a], cwd=tmp_path, env=env, capture_output=True, text=True,
                                        timeout=300, check=True)
        run("demo", "--through", "2026-11-24", "--bcrypt-cost", "4")
        # Twelve pupils whose first contact has an email are absent without a reason this morning.
        absent = psql(pg.url, """SELECT p.upn, c.email FROM pupils p JOIN contacts c ON c.pupil_id = p.id AND c.priority =
                                 (SELECT min(priority) FROM contacts WHERE pupil_id = p.id) WHERE c.email <> '' ORDER BY p.id LIMIT 12""")
        assert len(absent) == 12
        marks = tmp_path / "marks.csv"
        marks.write_text("upn,date,session,code,minutes_late\n" + "".join(f"{upn},{DAY},AM,N,\n" for upn, _ in absent))
        run("import", "marks", str(marks))

        a, b = Instance(tmp_path, env, "a"), Instance(tmp_path, env, "b")
        try:
            a.wait_ready()
            b.wait_ready()

            # A session begun on A works on B, and signing out on B ends it on A.
            user = Browser()
            status, _ = user.post(a.url, "/", "/sign-in", {"email": "office@harbourlane.example.org", "password": PASSWORD})
            assert status == 200
            assert 'class="signout"' in user.get(b.url + "/today")[2]
            user.post(b.url, "/today", "/sign-out", {})
            _, landed, page = user.get(a.url + "/today")
            assert 'class="signout"' not in page and 'name="password"' in page, landed

            # Five failed sign-ins on A lock the account on B too, even with the right password.
            attacker = Browser()
            for _ in range(5):
                assert attacker.post(a.url, "/", "/sign-in", {"email": "head@harbourlane.example.org", "password": "guess"})[0] == 401
            status, page = attacker.post(b.url, "/", "/sign-in", {"email": "head@harbourlane.example.org", "password": PASSWORD})
            assert status == 429 and "Too many failed sign-ins" in page

            # Both instances run the outbox every half second: each absent pupil's first contact gets one email.
            sink.wait_for(12, timeout=30)
            time.sleep(3)  # several more passes on both
            received = [r for m in sink.messages for r in m.rcpt_tos]
            for _, email in absent:
                assert received.count(email) == 1, (email, received)
            assert len(sink.messages) == 12
            sent = psql(pg.url, "SELECT state, attempts FROM outbox WHERE template = 'day_one_absence'")
            assert sorted(sent) == [["sent", "1"]] * 12
            # The daily job ran once for the school and day, though both instances passed after the AM close.
            runs = psql(pg.url, f"SELECT job, count(*) FROM job_runs WHERE day = '{DAY}' GROUP BY job")
            assert runs == [["n-to-o", "1"]]
            for inst in (a, b):
                assert "Daily evaluation failed" not in inst.log.read_text()
            ran = [inst for inst in (a, b) if "Daily evaluation for" in inst.log.read_text()]
            assert len(ran) == 1, "exactly one instance ran the daily job"
            print(f"two instances: 12 day-1 emails, each sent once; daily job run by 1 of 2 instances; "
                  f"session shared; throttle shared")
        finally:
            a.stop()
            b.stop()
            sink.stop()
