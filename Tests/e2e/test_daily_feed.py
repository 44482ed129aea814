"""The daily attendance feed (issue 18, docs/daily-feed.md) from both its doors: `rollbook export daily` on the
database gives the same bytes as `GET /api/v1/feeds/daily` with a service account's token made by
`rollbook token create --service`, and that token reads nothing else."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from helpers import PREVIOUS_SCHOOL_DAY, RollbookProcess, api_call


def fetch(base_url: str, token: str, path: str) -> tuple[int, bytes, str]:
    req = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type", "")


def test_export_daily_equals_the_api_and_the_service_token_reads_only_the_feed():
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-feed-"))
    server = RollbookProcess(workdir, sqlite=workdir / "feed.sqlite")
    server.start()
    try:
        server.wait_ready()
        made = server.cli("token", "create", "--service", "Trust data team", "--scope", "daily-feed", *server.database_args)
        token = made.stdout.strip()
        assert token.startswith("rb_"), made.stdout
        bad = server.cli("token", "create", "--service", "Trust data team", "--scope", "pupils", *server.database_args,
                         check=False)
        assert bad.returncode != 0 and "--scope" in bad.stderr, bad.stderr

        for fmt in ("csv", "json"):
            status, body, content_type = fetch(server.base_url, token, f"/api/v1/feeds/daily?date={PREVIOUS_SCHOOL_DAY}&format={fmt}")
            assert status == 200, body[:300]
            assert content_type.startswith("text/csv" if fmt == "csv" else "application/json"), content_type
            cli = server.cli("export", "daily", "--date", PREVIOUS_SCHOOL_DAY, "--format", fmt, *server.database_args)
            assert cli.stdout.encode() == body, f"{fmt}: the command and the API differ"
        feed = json.loads(body)
        # The demo took every register of the previous school day.
        assert feed["complete"] is True and feed["days"][0]["missing_registers"] == 0, feed["days"]
        assert len(feed["records"]) > 400 and all(r["code"] for r in feed["records"])

        for path in ("/api/v1/pupils", f"/api/v1/registers/{PREVIOUS_SCHOOL_DAY}/AM", "/api/v1/service-accounts"):
            status, error = api_call(server.base_url, token, "GET", path)
            assert status == 403 and "reads only GET /api/v1/feeds/daily" in error["error"]["reason"], (path, status, error)
    finally:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)
