"""API fuzzing: schemathesis generates requests from the served OpenAPI document (/api/openapi.json), valid and
invalid, and sends them to a demo server of its own with the head's API token (the role that may do the most).

Checks on every response: no 5xx (not_a_server_error); the status is one the document lists for the operation
(status_code_conformance); the Content-Type is one it lists (content_type_conformance); a 2xx body matches its
schema (response_schema_conformance); and every 4xx is JSON of the form {"error": {"status", "field", "reason"}}
with the response's status (json_error_on_4xx, below). Bounded: ROLLBOOK_FUZZ_EXAMPLES test cases per operation
(default 12) and a fixed seed (ROLLBOOK_FUZZ_SEED), so CI runs the same cases each time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import HEAD, RollbookProcess

CHECKS_MODULE = '''
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
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "rollbook_fuzz_checks", "PYTHONPATH": str(workdir), "NO_COLOR": "1"}
        command = [sys.executable, "-m", "schemathesis.cli", "run", server.base_url + "/api/openapi.json",
                   "--header", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS),
                   "--max-examples", examples, "--seed", seed, "--phases", "examples,coverage,fuzzing",
                   "--workers", "2", "--generation-database", "none", "--request-timeout", "30",
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
    assert run.returncode == 0, f"schemathesis found failures (exit {run.returncode}):\n{output[-20000:]}"
    assert re.search(r"\d+ generated", output), f"schemathesis ran no test cases:\n{output[-3000:]}"
