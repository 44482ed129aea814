"""The command line as a school would use it: import the three CSV files, print the report.

The worked example in Tests/Fixtures/tiny must give exactly its expected report, and an import
with an error must name file, line and column and change nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = REPO_ROOT / "Tests" / "Fixtures" / "tiny"


def rollbook(*args: str, database: Path) -> subprocess.CompletedProcess:
    binary = Path(os.environ.get("ROLLBOOK_BIN", REPO_ROOT / ".build" / "debug" / "rollbook"))
    return subprocess.run([str(binary), *args, "--database", str(database)], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def tiny_db(tmp_path: Path) -> Path:
    db = tmp_path / "tiny.sqlite"
    for kind in ("calendar", "pupils", "marks"):
        r = rollbook("import", kind, str(TINY / f"{kind}.csv"), database=db)
        assert r.returncode == 0, r.stderr
    return db


def report(db: Path, fmt: str = "json") -> str:
    r = rollbook("report", "--from", "2025-09-01", "--to", "2025-09-30", "--format", fmt, database=db)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_tiny_example_report_is_exactly_the_expected_one(tiny_db: Path):
    expected = json.loads((TINY / "expected_report_2025-09-01_2025-09-30.json").read_text())
    assert json.loads(report(tiny_db)) == expected


def test_report_csv_has_the_same_figures(tiny_db: Path):
    lines = report(tiny_db, "csv").splitlines()
    assert lines[0].split(",")[:3] == ["upn", "possible_sessions", "present_sessions"]
    assert "A100000000002,10,5,2,1,2,0.7,0.3,0.1,0.2,true,false" in lines


def test_a_bad_marks_file_names_line_and_column_and_imports_nothing(tiny_db: Path, tmp_path: Path):
    before = report(tiny_db)
    bad = tmp_path / "more.csv"
    bad.write_text("upn,date,session,code,minutes_late\n"
                   "A100000000001,2025-09-19,AM,I,\n"
                   "A100000000003,2025-09-19,PM,QQ,\n")
    r = rollbook("import", "marks", str(bad), database=tiny_db)
    assert r.returncode != 0
    assert f"{bad}:3: column code:" in r.stderr
    assert "'QQ' is not a DfE attendance code" in r.stderr
    assert "Nothing was imported" in r.stderr
    assert report(tiny_db) == before


def test_a_data_error_says_what_happened_without_the_usage_text(tiny_db: Path, tmp_path: Path):
    missing = tmp_path / "calendar-2026.csv"
    r = rollbook("import", "calendar", str(missing), database=tiny_db)
    assert r.returncode != 0
    assert f"{missing}: no such file" in r.stderr
    assert "UTF-8" not in r.stderr and "USAGE" not in r.stderr
    binary = tmp_path / "marks.csv"
    binary.write_bytes(b"upn,date\n\xff\xfe\n")
    r = rollbook("import", "marks", str(binary), database=tiny_db)
    assert r.returncode != 0
    assert "cannot be read as UTF-8 text" in r.stderr and "USAGE" not in r.stderr
    r = rollbook("import", "marks", str(TINY / "pupils.csv"), database=tiny_db)
    assert r.returncode != 0
    assert "the header must be upn,date,session,code,minutes_late" in r.stderr and "USAGE" not in r.stderr


def test_marks_over_many_years_import_in_bulk(tiny_db: Path, tmp_path: Path):
    # About 50,000 first entries over 53 academic years, around the tiny example's own marks.
    lines = ["upn,date,session,code,minutes_late"]
    for year in range(1990, 2045):
        for month in range(1, 13):
            for d in range(1, 29):
                for upn in ("A100000000001", "A100000000002", "A100000000003"):
                    if year in (2024, 2025):
                        continue
                    lines.append(f"{upn},{year}-{month:02d}-{d:02d},AM,/,")
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines) + "\n")
    r = rollbook("import", "marks", str(big), database=tiny_db)
    assert r.returncode == 0, r.stderr
    assert f"Imported {len(lines) - 1} marks: {len(lines) - 1} new" in r.stdout


def test_reimporting_a_changed_mark_is_an_amendment(tiny_db: Path, tmp_path: Path):
    fix = tmp_path / "fix.csv"
    fix.write_text("upn,date,session,code,minutes_late\nA100000000001,2025-09-18,AM,I,\n")
    r = rollbook("import", "marks", str(fix), database=tiny_db)
    assert r.returncode == 0, r.stderr
    assert "1 amended (reason 'import')" in r.stdout
    pupil = next(p for p in json.loads(report(tiny_db)) if p["upn"] == "A100000000001")
    assert pupil["authorised_absence_sessions"] == 3 and pupil["unauthorised_absence_sessions"] == 4


@pytest.mark.parametrize("name, value", [("ROLLBOOK_SMTP_PORT", "smtp"), ("ROLLBOOK_PUBLIC_URL", "rollbook.example.org"),
                                         ("DATABASE_URL", "mysql://db/rollbook"), ("ROLLBOOK_LOG_LEVEL", "loud")])
def test_a_bad_environment_variable_stops_the_command_and_is_named(tmp_path: Path, name: str, value: str):
    binary = Path(os.environ.get("ROLLBOOK_BIN", REPO_ROOT / ".build" / "debug" / "rollbook"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLLBOOK_") and k != "DATABASE_URL"}
    env.update({name: value, "ROLLBOOK_SMTP_HOST": "127.0.0.1", "ROLLBOOK_SMTP_FROM": "office@example.org"})
    db = tmp_path / "never.sqlite"
    r = subprocess.run([str(binary), "migrate", "--database", str(db)], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode != 0
    assert f"{name}: " in r.stderr
    assert not db.exists()
