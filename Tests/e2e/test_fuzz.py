"""API fuzzing: schemathesis generates requests from the served OpenAPI document (/api/openapi.json), valid and
invalid, and sends them to a demo server of its own with the head's API token (the role that may do the most).

Checks on every response: no 5xx (not_a_server_error); the status is one the document lists for the operation
(status_code_conformance); the Content-Type is one it lists (content_type_conformance); a 2xx body matches its
schema (response_schema_conformance); and every 4xx is JSON of the form {"error": {"status", "field", "reason"}}
with the response's status (json_error_on_4xx, below). About half the generated UPNs and register dates are the
demo school's own, so submissions reach the checks past "no such pupil". Bounded: ROLLBOOK_FUZZ_EXAMPLES test cases per operation
(default 12) and a fixed seed (ROLLBOOK_FUZZ_SEED), so CI runs the same cases each time.
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
        real, upn, day = choice
        if real:
            case.path_parameters = {**params, **({"upn": upn} if "upn" in params else {}),
                                    **({"date": day} if "date" in params else {})}
        return case

    return st.tuples(st.booleans(), st.sampled_from(UPNS), st.sampled_from(DAYS)).map(swap)


@schemathesis.hook
def flatmap_body(ctx, body):
    marks = body.get("marks") if isinstance(body, dict) else None
    if not UPNS or not isinstance(marks, list) or not marks:
        return st.just(body)

    def swap(upns):
        return {**body, "marks": [{**m, "upn": u} if isinstance(m, dict) else m for m, u in zip(marks, upns)]}

    real = st.lists(st.sampled_from(UPNS), min_size=len(marks), max_size=len(marks)).map(swap)
    return st.one_of(st.just(body), real, valid_marks(body))


def valid_marks(body):
    """A submission a register may well accept: distinct real pupils, each with a code or an arrival time."""
    entry = st.one_of(
        st.fixed_dictionaries({"code": st.sampled_from(["/", "\\", "I", "M", "N", "O", "G", "B", "V", "C"])},
                              optional={"reason": st.sampled_from(["parent phoned", "fuzz"])}),
        st.fixed_dictionaries({"code": st.sampled_from(["L", "U"]), "minutes_late": st.integers(0, 1439)}),
        st.fixed_dictionaries({"arrival_time": st.sampled_from(["8:40", "8:55", "8:56", "9:15", "9:16", "13:05", "23:59"])}),
    )
    upns = st.lists(st.sampled_from(UPNS), min_size=1, max_size=6, unique=True)
    return st.tuples(upns, st.lists(entry, min_size=6, max_size=6)).map(
        lambda t: {**{k: v for k, v in body.items() if k in ("form", "year_group") and isinstance(v, str)},
                   "marks": [{"upn": u, **e} for u, e in zip(*t)]})


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

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "json_error_on_4xx"]


def test_fuzz_api():
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-fuzz-"))
    (workdir / "rollbook_fuzz_checks.py").write_text(CHECKS_MODULE)
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
               "ROLLBOOK_FUZZ_UPNS": json.dumps(upns), "ROLLBOOK_FUZZ_DAYS": json.dumps(days),
               "ROLLBOOK_FUZZ_LOG": str(workdir / "responses.tsv")}
        command = [sys.executable, "-m", "schemathesis.cli", "run", server.base_url + "/api/openapi.json",
                   "--header", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS),
                   "--max-examples", examples, "--seed", seed, "--phases", "examples,coverage,fuzzing",
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
