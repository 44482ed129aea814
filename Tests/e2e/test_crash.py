"""Crash test: whole registers submitted by many clients at once while the server is killed with SIGKILL and
started again on the same database. Every submission the server acknowledged (2xx) must be stored exactly, and no
register may be partial: each register holds either all of one submission's marks or what it held before.

Each register (day, AM or PM, form) is submitted once, by one client, with codes that identify the submission
(pupil j of submission k gets CODES[(k + j) % len(CODES)]), for school days after the server's today, which
nothing else writes. A client whose connection is refused (the server is down, so nothing was sent) waits and
sends again; a connection lost after sending is an unknown outcome: the submission is not sent again and its
register must then be all-or-nothing. Runs on SQLite, and on PostgreSQL when ROLLBOOK_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest

from helpers import FORMS, OFFICE, TODAY, PostgresDatabase, RollbookProcess, api_call

CLIENTS = 16
KILLS = 5
LOAD_SECONDS_LIMIT = 60  # the load stops by then whatever happens
TAIL_SECONDS = 2.0  # load after the last restart
# Codes an office may record for a future day, none needing minutes late or the calendar.
CODES = ["V", "P", "W", "B", "M", "C", "E", "I", "T", "R", "G", "O", "N"]


class Outcome:
    ACKNOWLEDGED = "acknowledged"
    LOST = "connection lost after sending"
    REFUSED_STATUS = "answered with an error"


def expected_codes(k: int, n: int) -> list[str]:
    return [CODES[(k + j) % len(CODES)] for j in range(n)]


def open_days(base_url: str, token: str, count: int) -> list[str]:
    """The first `count` school days after today, from the API's calendar."""
    start = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=1)).isoformat()
    status, cal = api_call(base_url, token, "GET", f"/api/v1/calendar?from={start}&to=2027-07-15")
    assert status == 200, cal
    days = [d["date"] for d in cal["days"] if d["am"] and d["pm"]]
    assert len(days) >= count, f"only {len(days)} open days after {TODAY}"
    return days[:count]


class Load:
    """The clients, the killer, and what each submission came to."""

    def __init__(self, server: RollbookProcess, token: str, registers: list[tuple[str, str, str]]):
        self.server = server
        self.token = token
        self.queue = list(enumerate(registers))  # (k, (date, session, form)), taken from the end
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.up.set()
        self.stop_at = time.monotonic() + LOAD_SECONDS_LIMIT
        self.killer_done_at: float | None = None
        self.results: dict[int, dict] = {}  # k -> {register, upns, before, outcome}
        self.refused_connections = 0
        self.kills = 0
        self.restart_seconds: list[float] = []
        self.errors: list[str] = []

    # -- one request: refused connections (nothing sent) are tried again; anything after sending is final --

    def request(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        while True:
            if time.monotonic() > self.stop_at + 30:
                raise TimeoutError("the server did not come back")
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            try:
                conn.connect()
            except (ConnectionRefusedError, ConnectionResetError, OSError):
                conn.close()
                with self.lock:
                    self.refused_connections += 1
                self.up.wait(timeout=5)
                time.sleep(0.02)
                continue
            try:
                data = None if body is None else json.dumps(body).encode()
                conn.request(method, path, body=data, headers={"Authorization": f"Bearer {self.token}",
                                                               "Content-Type": "application/json"})
                r = conn.getresponse()
                return r.status, r.read()
            finally:
                conn.close()

    def read_register(self, date: str, session: str, form: str) -> dict:
        """GET is safe to repeat, so a lost connection is simply tried again."""
        while True:
            try:
                status, raw = self.request("GET", f"/api/v1/registers/{date}/{session}?form={form}")
            except (http.client.HTTPException, ConnectionError, OSError):
                time.sleep(0.05)
                continue
            assert status == 200, f"GET register {date} {session} {form}: {status} {raw[:300]!r}"
            return json.loads(raw)

    def client(self) -> None:
        try:
            while time.monotonic() < self.stop_at:
                if self.killer_done_at is not None and time.monotonic() > self.killer_done_at + TAIL_SECONDS:
                    return  # some load on the last, clean start
                with self.lock:
                    if not self.queue:
                        return
                    k, (date, session, form) = self.queue.pop()
                before = self.read_register(date, session, form)
                pupils = [p for p in before["pupils"] if p["session_open"]]
                if not pupils:
                    continue
                upns = [p["upn"] for p in pupils]
                codes = expected_codes(k, len(upns))
                body = {"form": form, "marks": [{"upn": u, "code": c, "reason": "crash test"} for u, c in zip(upns, codes)]}
                entry = {"register": (date, session, form), "upns": upns, "codes": codes,
                         "before": {p["upn"]: p.get("code") for p in pupils}}
                try:
                    status, raw = self.request("POST", f"/api/v1/registers/{date}/{session}", body)
                except (http.client.HTTPException, ConnectionError, OSError) as e:
                    entry["outcome"] = Outcome.LOST
                    entry["error"] = type(e).__name__
                else:
                    if 200 <= status < 300:
                        entry["outcome"] = Outcome.ACKNOWLEDGED
                    else:
                        entry["outcome"] = Outcome.REFUSED_STATUS
                        entry["error"] = f"{status} {raw[:300]!r}"
                with self.lock:
                    self.results[k] = entry
        except Exception as e:  # reported by the test, not lost in a thread
            with self.lock:
                self.errors.append(f"client: {type(e).__name__}: {e}")

    def killer(self) -> None:
        rnd = random.Random(int(os.environ.get("ROLLBOOK_CRASH_SEED", "7")))
        try:
            for _ in range(KILLS):
                time.sleep(rnd.uniform(0.8, 2.5))
                self.up.clear()
                self.server.kill()
                self.kills += 1
                t = time.monotonic()
                self.server.start()
                self.server.wait_ready(timeout=60)
                self.restart_seconds.append(time.monotonic() - t)
                self.up.set()
        except BaseException as e:
            with self.lock:
                self.errors.append(f"killer: {type(e).__name__}: {e}")
        finally:
            self.up.set()
            self.killer_done_at = time.monotonic()

    def run(self) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=self.client, name=f"client-{i}") for i in range(CLIENTS)]
        killer = threading.Thread(target=self.killer, name="killer")
        for t in threads:
            t.start()
        killer.start()
        killer.join()
        for t in threads:
            t.join()
        return time.monotonic() - started


def check_stored(server: RollbookProcess, token: str, load: Load) -> dict[str, int]:
    """Reads every attempted register back through the API and checks it against its submission."""
    counts = {"registers checked": 0, "acknowledged and stored": 0, "unacknowledged but stored whole": 0,
              "unacknowledged and not stored": 0}
    problems = []
    for k, e in sorted(load.results.items()):
        date, session, form = e["register"]
        status, reg = api_call(server.base_url, token, "GET", f"/api/v1/registers/{date}/{session}?form={form}")
        assert status == 200, reg
        now = {p["upn"]: p.get("code") for p in reg["pupils"]}
        stored = [now.get(u) for u in e["upns"]]
        counts["registers checked"] += 1
        whole_submission = stored == e["codes"]
        as_before = stored == [e["before"][u] for u in e["upns"]]
        if e["outcome"] == Outcome.ACKNOWLEDGED:
            if whole_submission:
                counts["acknowledged and stored"] += 1
            else:
                problems.append(f"acknowledged submission {k} ({date} {session} {form}) is not stored: "
                                f"expected {e['codes']}, found {stored}")
        elif whole_submission:
            counts["unacknowledged but stored whole"] += 1
        elif as_before:
            counts["unacknowledged and not stored"] += 1
        else:
            problems.append(f"register {date} {session} {form} is partial after submission {k} ({e['outcome']}): "
                            f"submitted {e['codes']}, before {[e['before'][u] for u in e['upns']]}, found {stored}")
    assert not problems, "\n".join(problems[:20])
    return counts


def run_crash_test(server: RollbookProcess, label: str) -> None:
    server.start()
    server.wait_ready()
    token = server.token(OFFICE)
    days = open_days(server.base_url, token, 40)
    registers = [(d, s, f) for d in days for s in ("AM", "PM") for f in FORMS]
    registers.reverse()  # popped from the end: the earliest days first
    load = Load(server, token, registers)
    seconds = load.run()
    assert not load.errors, "\n".join(load.errors)

    outcomes = [e["outcome"] for e in load.results.values()]
    refused = [e for e in load.results.values() if e["outcome"] == Outcome.REFUSED_STATUS]
    counts = check_stored(server, token, load)
    summary = {
        "backend": label,
        "clients": CLIENTS,
        "submissions attempted": len(outcomes),
        "acknowledged (2xx)": outcomes.count(Outcome.ACKNOWLEDGED),
        "failed by connection error after sending": outcomes.count(Outcome.LOST),
        "answered with an error status": len(refused),
        "connections refused while down (sent again)": load.refused_connections,
        "kills (SIGKILL)": load.kills,
        "restart seconds": [round(s, 2) for s in load.restart_seconds],
        "load seconds": round(seconds, 1),
        **counts,
    }
    print("\ncrash test: " + json.dumps(summary, indent=2))

    assert load.kills == KILLS, f"the killer managed {load.kills} of {KILLS} kills"
    assert not refused, f"submissions answered with an error: {[e['error'] for e in refused][:5]}"
    assert counts["acknowledged and stored"] == outcomes.count(Outcome.ACKNOWLEDGED) > 0
    assert counts["registers checked"] == len(outcomes)
    # The kills landed while submissions were in flight: otherwise the test proved little.
    assert outcomes.count(Outcome.LOST) + load.refused_connections > 0, "no kill interrupted the load"


def test_crash_sqlite():
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-crash-"))
    database = workdir / "crash.sqlite"
    server = RollbookProcess(workdir, sqlite=database)
    try:
        run_crash_test(server, "SQLite")
    finally:
        server.stop()
    # The file survived five kills whole.
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    shutil.rmtree(workdir, ignore_errors=True)  # kept, with the server's log, when a check fails


@pytest.mark.skipif(not os.environ.get("ROLLBOOK_TEST_POSTGRES_URL"), reason="ROLLBOOK_TEST_POSTGRES_URL is not set")
def test_crash_postgres():
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-crash-pg-"))
    with PostgresDatabase("crash") as pg:
        server = RollbookProcess(workdir, postgres_url=pg.url)
        try:
            run_crash_test(server, "PostgreSQL")
        finally:
            server.stop()
    shutil.rmtree(workdir, ignore_errors=True)
