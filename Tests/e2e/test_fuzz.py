"""API fuzzing: schemathesis generates requests from the served OpenAPI document (/api/openapi.json), valid and
invalid, and sends them to a demo server of its own with the head's API token (the role that may do the most).

Every check schemathesis has (`--checks all`) and every phase (examples, coverage, fuzzing, stateful), plus
json_error_on_4xx below: no 5xx; statuses, content types and 2xx bodies as documented; schema-valid requests
accepted (no 400/422) and schema-violating ones rejected; 405 with Allow for a method the document does not list;
a deleted resource gone; every 4xx JSON of the form {"error": {"status", "field", "reason"}} with the response's
status. The document cannot state rules that tie two values together or to today (a range's `from` not after its
`to`; `as_of` and ranges within ten years; a date of birth before the starting day): its descriptions state them,
and the hooks below keep valid requests to them, as a client reading the descriptions would. About half the
generated UPNs and register dates are the demo school's own, so submissions reach the checks past "no such pupil".
Bounded: ROLLBOOK_FUZZ_EXAMPLES test cases per operation (default 12) and a fixed seed (ROLLBOOK_FUZZ_SEED), so CI
runs the same cases each time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from helpers import HEAD, PREVIOUS_SCHOOL_DAY, TODAY, RollbookProcess, api_call

CHECKS_MODULE = r'''
import json

import schemathesis


@schemathesis.check
def json_error_on_4xx(ctx, response, case):
    """Every 4xx is JSON: {"error": {"status": <the status>, "field": <string or null>, "reason": <a sentence>}}."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        raise AssertionError(f"{response.status_code} came with Content-Type {content_type!r}, not JSON")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} came with a body that is not JSON: {response.content[:200]!r}")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise AssertionError(f"{response.status_code} came without an error object: {body!r:.300}")
    if error.get("status") != response.status_code:
        raise AssertionError(f"error.status is {error.get('status')!r}, the response's status {response.status_code}")
    if not isinstance(error.get("reason"), str) or not error["reason"].strip():
        raise AssertionError(f"error.reason is missing or empty: {error!r:.300}")
    if error.get("field") is not None and not isinstance(error["field"], str):
        raise AssertionError(f"error.field is neither a string nor null: {error!r:.300}")
    return None

# Random UPNs and dates almost never name a pupil on roll on a school day, so the deeper checks of a register
# submission (codes, arrival times, minutes late, reasons, amendments) would go untried: about half the generated
# UPNs and register dates are swapped for the demo school's own (ROLLBOOK_FUZZ_UPNS, ROLLBOOK_FUZZ_DAYS).
import os

from hypothesis import strategies as st

UPNS = json.loads(os.environ.get("ROLLBOOK_FUZZ_UPNS", "[]"))
DAYS = json.loads(os.environ.get("ROLLBOOK_FUZZ_DAYS", "[]"))


@schemathesis.hook
def flatmap_case(ctx, case):
    params = case.path_parameters
    if not isinstance(params, dict) or not {"upn", "date"} & set(params) or not UPNS:
        return st.just(case)

    def swap(choice):
        # Only a value that is already valid is swapped, so that a request meant to be invalid stays so.
        real, upn, day = choice
        if real:
            case.path_parameters = {**params, **({"upn": upn} if UPN.fullmatch(str(params.get("upn"))) else {}),
                                    **({"date": day} if as_date(params.get("date")) else {})}
        return case

    return st.tuples(st.booleans(), st.sampled_from(UPNS), st.sampled_from(DAYS)).map(swap)


@schemathesis.hook
def flatmap_body(ctx, body):
    marks = body.get("marks") if isinstance(body, dict) else None
    if not UPNS or not isinstance(marks, list) or not marks:
        return st.just(body)

    # Only valid UPNs are swapped: an invalid request stays invalid.
    def swap(upns):
        return {**body, "marks": [{**m, "upn": u} if isinstance(m, dict) and UPN.fullmatch(str(m.get("upn"))) else m
                                  for m, u in zip(marks, upns)]}

    real = st.lists(st.sampled_from(UPNS), min_size=len(marks), max_size=len(marks)).map(swap)
    return st.one_of(st.just(body), real)


def valid_marks(body, lesson, rng):
    """A submission a register may well accept: distinct real pupils, each with a code or (not in a lesson, whose
    marks all need a code) an arrival time."""
    def entry():
        kind = rng.randrange(2 if lesson else 3)
        if kind == 0:
            return {"code": rng.choice(["/", "\\", "I", "M", "N", "O", "G", "B", "V", "C"]),
                    **({"reason": rng.choice(["parent phoned", "fuzz"])} if rng.random() < 0.5 else {})}
        if kind == 1:
            return {"code": rng.choice(["L", "U"]), "minutes_late": rng.randrange(1440)}
        return {"arrival_time": rng.choice(["8:40", "8:55", "8:56", "9:15", "9:16", "13:05", "23:59"])}
    return {**{k: v for k, v in body.items() if k in ("form", "year_group") and isinstance(v, str)},
            "marks": [{"upn": u, **entry()} for u in rng.sample(UPNS, rng.randint(1, 6))]}


# The rules the document states in words but JSON Schema cannot, kept by valid requests as a client would keep them.
# Only values that already are valid dates are moved, and only to other valid dates: no request changes from
# schema-valid to schema-invalid or back.
import random
import re
from datetime import date, timedelta

TODAY = date.fromisoformat(os.environ.get("ROLLBOOK_FUZZ_TODAY", date.today().isoformat()))
TEN_YEARS = 3650


def as_date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def within(day, centre, days=TEN_YEARS):
    """`day` moved by whole multiples of the window into `days` either side of `centre`."""
    return centre + timedelta(days=(day - centre).days % (2 * days + 1) - days)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """In every phase, just before the request is sent."""
    if isinstance(case.query, dict):
        case.query = query_rules(case.query)
    if isinstance(case.query, dict) and case.operation.label == "GET /api/v1/feeds/daily":
        case.query = feed_rules(case.query)
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and UPNS and isinstance(case.body, dict) and case.operation.method.upper() == "POST" \
            and case.operation.path.startswith(("/api/v1/registers/", "/api/v1/lessons/")):
        rng = random.Random(json.dumps(case.body, sort_keys=True, default=str))
        if rng.random() < 0.5:
            case.body = valid_marks(case.body, case.operation.path.startswith("/api/v1/lessons/"), rng)
    if isinstance(case.body, dict) and case.operation.label == "POST /api/v1/pupils":
        case.body = admission(case.body)
    if isinstance(case.body, dict) and case.operation.label == "PUT /api/v1/school" and isinstance(case.body.get("register_times"), dict):
        case.body = {**case.body, "register_times": register_times(case.body["register_times"])}


def query_rules(query):
    """`as_of` within ten years of today; `from` not after `to` (default today), the range at most ten years."""
    query = dict(query)
    if (as_of := as_date(query.get("as_of"))) is not None:
        query["as_of"] = within(as_of, TODAY).isoformat()
    start, end = as_date(query.get("from")), as_date(query.get("to"))
    if start is not None and end is None and "to" not in query:
        if not TODAY - timedelta(days=TEN_YEARS) <= start <= TODAY:
            query["from"] = (TODAY - timedelta(days=(start - TODAY).days % TEN_YEARS)).isoformat()
    elif start is not None and end is not None:
        start, end = min(start, end), max(start, end)
        if (end - start).days > TEN_YEARS:
            start = end - timedelta(days=(end - start).days % TEN_YEARS)
        query["from"], query["to"] = start.isoformat(), end.isoformat()
    return query


def feed_rules(query):
    """The daily feed: one day (`date`, without `from` and `to`), or `from` with `to`, at most 93 days."""
    query = dict(query)
    day, start, end = as_date(query.get("date")), as_date(query.get("from")), as_date(query.get("to"))
    if day is not None:
        if (start is not None or "from" not in query) and (end is not None or "to" not in query):
            query.pop("from", None)
            query.pop("to", None)
    elif "date" not in query and start is not None and end is not None and (end - start).days > 92:
        query["to"] = (start + timedelta(days=92)).isoformat()
    elif "date" not in query and start is not None and "to" not in query:
        query["to"] = start.isoformat()
    elif "date" not in query and end is not None and "from" not in query:
        query["from"] = end.isoformat()
    return query


def admission(body):
    """The date of birth before the starting day; the first expected day not before it; a temporary address in term
    time (15 school days or more, at most a year)."""
    body = dict(body)
    born, start = as_date(body.get("date_of_birth")), as_date(body.get("starting_day"))
    if born is not None and start is not None and born >= start:
        if born > start:
            born, start = start, born
        elif start > date.min:
            born = start - timedelta(days=1)
        else:
            start = born + timedelta(days=1)
        body["date_of_birth"], body["starting_day"] = born.isoformat(), start.isoformat()
    register = body.get("register")
    if isinstance(register, dict):
        register = dict(register)
        first = as_date(register.get("first_expected_day"))
        if first is not None and start is not None and first < start:
            register["first_expected_day"] = start.isoformat()
        address = register.get("temporary_address")
        if isinstance(address, dict) and as_date(address.get("from")) and as_date(address.get("to")):
            register["temporary_address"] = {**address, "from": TODAY.isoformat(), "to": (TODAY + timedelta(days=90)).isoformat()}
        body["register"] = register
    return body


def register_times(times):
    """Each window opens, turns late and closes in that order, and the AM register closes before the PM one opens."""
    def minutes(t):
        h, m = t.split(":")
        return int(h) * 60 + int(m)
    windows = [times.get(s) for s in ("am", "pm")]
    values = [w.get(k) for w in windows if isinstance(w, dict) for k in ("opens", "late_after", "closes")]
    if len(values) != 6 or not all(isinstance(v, str) and TIME.fullmatch(v) for v in values):
        return times
    ordered = sorted(values, key=minutes)
    if minutes(ordered[2]) == minutes(ordered[3]):
        ordered = ["8:40", "8:50", "9:10", "13:10", "13:15", "13:30"]
    return {**times, "am": {**windows[0], **dict(zip(("opens", "late_after", "closes"), ordered[:3]))},
            "pm": {**windows[1], **dict(zip(("opens", "late_after", "closes"), ordered[3:]))}}


TIME = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")
UPN = re.compile(r"[A-Z]([0-9]{12}|[0-9]{11}[A-Z])")


@schemathesis.hook
def after_call(ctx, case, response):
    """Each response's operation and status, for the test's summary."""
    with open(os.environ["ROLLBOOK_FUZZ_LOG"], "a") as f:
        reason = ""
        if response.status_code >= 400:
            try:
                reason = json.loads(response.content)["error"]["reason"]
                reason = " ".join(reason.split())  # one line, whatever breaks the fuzzed text held
            except Exception:
                pass
        f.write(f"{case.operation.label}\t{response.status_code}\t{reason[:200]}\n")
'''

CHECKS = ["all"]  # schemathesis's own checks and json_error_on_4xx


# A well-formed submission may still be refused for what the school's records hold (a pupil not on roll, a day the
# school is closed, a mark that needs a reason, a file whose UPN is already admitted, a webhook URL this server may
# not call, an exclusion past the 45 school days of the year, a parenting order against someone not a parent of the
# pupil, a roll call tick for a pupil not on the roll call, a timetable file that is empty or has errors, a pupil
# reported missing who is not on roll, a missing-from-site step or report of blanks, a child not on today's collection
# list, a permission that needs what was not given: the written form, the collector, an older sibling on roll): the
# document lists 422 for it, and these operations are allowed it for schema-valid data. A body over the server's 1 MB
# is refused with 413 before it is read: to schemathesis's own list of rejections, 413 is added.
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

[[operations]]
include-name-regex = '^POST /api/v1/((registers|lessons)/.*|ctf|pupils/[{]upn[}]/(deletion|exclusions|parenting-orders|permissions)|webhooks|roll-calls/[{]id[}]/ticks|timetable|missing-incidents|missing-incidents/[{]id[}]/(steps|close)|end-of-day/(collections|social-services))$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

# Late sign-in: neither a card nor a UPN, a pupil off roll, a reason not on the policy's list; a card another pupil holds.
[[operations]]
include-name-regex = '^(POST /api/v1/late-sign-in|PUT /api/v1/pupils/[{]upn[}]/card)$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

# The daily feed (issue 18): date together with from and to, one of from and to alone, a range over 93 days; and a
# service account named only in spaces, or one not of this school to revoke. The descriptions say each.
[[operations]]
include-name-regex = '^(GET /api/v1/feeds/daily|POST /api/v1/service-accounts|POST /api/v1/service-accounts/[{]id[}]/revocation)$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422", "429", "5xx"]
# Group marks and recurring patterns (issue 18): the pupils chosen more than one way or none, a form or year group with
# no pupil on roll, a code no group may carry, nothing to write on closed days, a range across school years; a
# pattern's code, weekday or end that does not fit, or an end before the pattern began.
[[operations]]
include-name-regex = '^POST /api/v1/(group-marks|pupils/[{]upn[}]/patterns|pupils/[{]upn[}]/patterns/[{]id[}]/end)$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""


def test_fuzz_api():
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-fuzz-"))
    (workdir / "rollbook_fuzz_checks.py").write_text(CHECKS_MODULE)
    (workdir / "schemathesis.toml").write_text(CONFIG)
    server = RollbookProcess(workdir, sqlite=workdir / "fuzz.sqlite")
    server.start()
    try:
        server.wait_ready()
        token = server.token(HEAD)
        examples = os.environ.get("ROLLBOOK_FUZZ_EXAMPLES", "12")
        seed = os.environ.get("ROLLBOOK_FUZZ_SEED", "2026")
        status, pupils = api_call(server.base_url, token, "GET", "/api/v1/pupils")
        assert status == 200 and len(pupils) > 400, pupils
        upns = [p["upn"] for p in pupils][::10]  # 42 pupils, in every form
        days = [PREVIOUS_SCHOOL_DAY, TODAY, "2026-11-26", "2026-11-28"]  # past, today, a future school day, a Saturday
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "rollbook_fuzz_checks", "PYTHONPATH": str(workdir), "NO_COLOR": "1",
               "ROLLBOOK_FUZZ_UPNS": json.dumps(upns), "ROLLBOOK_FUZZ_DAYS": json.dumps(days), "ROLLBOOK_FUZZ_TODAY": TODAY,
               "ROLLBOOK_FUZZ_LOG": str(workdir / "responses.tsv")}
        command = [sys.executable, "-m", "schemathesis.cli", "run", server.base_url + "/api/openapi.json",
                   "--header", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS),
                   "--max-examples", examples, "--seed", seed, "--phases", "examples,coverage,fuzzing,stateful",
                   # Strings UTF-8 can carry: a lone surrogate escape (RFC 8259 8.2) is 400, not JSON we read.
                   "--generation-codec", "utf-8",
                   "--workers", "1", "--generation-database", "none", "--request-timeout", "30",
                   "--suppress-health-check", "all", "--no-color", "--output-truncate", "false"]
        started = time.monotonic()
        run = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - started
    finally:
        server.stop()
    output = run.stdout + run.stderr
    summary = [line for line in output.splitlines()
               if re.search(r"(test cases|operations|Test Phases|passed|failed|generated|Seed|Examples|Coverage|Fuzzing)", line, re.I)]
    print(f"\nschemathesis ({seconds:.0f} s, {examples} examples per operation, seed {seed}):")
    print("\n".join(summary[-25:]))
    statuses: dict[str, Counter] = {}
    log = workdir / "responses.tsv"
    for line in (filter(None, log.read_bytes().decode(errors="replace").split("\n")) if log.exists() else []):
        operation, status, _reason = line.split("\t", 2)
        statuses.setdefault(operation, Counter())[status] += 1
    print(f"{sum(sum(c.values()) for c in statuses.values())} responses:")
    for operation, counts in sorted(statuses.items()):
        print(f"  {operation}: " + ", ".join(f"{n}x{code}" for code, n in sorted(counts.items())))
    assert run.returncode == 0, f"schemathesis found failures (exit {run.returncode}):\n{output[-20000:]}"
    assert re.search(r"\d+ generated", output), f"schemathesis ran no test cases:\n{output[-3000:]}"
    # The real UPNs and days reach the register submission's own checks: some submissions are written.
    assert statuses.get("POST /api/v1/registers/{date}/{session}", Counter())["200"] > 0, statuses
    shutil.rmtree(workdir, ignore_errors=True)  # kept, with the server's log, when a check fails
