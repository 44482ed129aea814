"""Spreadsheet exports from a running demo server, opened with openpyxl as a spreadsheet program would open them.

The workbooks are Rollbook's own (Sources/RollbookServer/Formats/Spreadsheet.swift: stored ZIP entries, inline strings, a bold
header row); each must open, hold the same rows as the page's JSON or the CSV of the same export, and keep numbers as
numbers. No browser is needed.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error

import openpyxl
import pytest

from helpers import DOMAIN, HEAD, HttpUser, TEACHER, OFFICE

LA_OFFICER = f"la@{DOMAIN}"


def download(user: HttpUser, path: str) -> tuple[bytes, str]:
    with user.opener.open(user.server.url(path), timeout=60) as r:
        return r.read(), r.headers.get("Content-Type", "")


def workbook(user: HttpUser, path: str) -> openpyxl.Workbook:
    body, content_type = download(user, path)
    assert content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", content_type
    return openpyxl.load_workbook(io.BytesIO(body))


def rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def csv_rows(user: HttpUser, path: str) -> list[list[str]]:
    body, _ = download(user, path)
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


@pytest.fixture(scope="module")
def head(server) -> HttpUser:
    return HttpUser(server, HEAD)


def test_census_workbook_matches_the_page(head):
    page = json.loads(head.get("/census?format=json"))
    book = workbook(head, "/census?format=xlsx")
    sheet = book.worksheets[0]
    table = rows(sheet)
    header = table[0]
    assert header[:7] == ["upn", "name", "year_group", "census_term", "from", "to", "possible_sessions"]
    assert all(c.font.b for c in sheet[1]), "the header row is bold"
    assert len(table) == len(page["lines"]) + 1 and len(page["lines"]) > 100
    by_upn = {l["upn"]: l for l in page["lines"]}
    col = {name: i for i, name in enumerate(header)}
    for r in table[1:]:
        line = by_upn[r[col["upn"]]]
        assert isinstance(r[col["possible_sessions"]], int), "counts are numbers, not text"
        assert r[col["possible_sessions"]] == line["possible"]
        assert r[col["authorised_absence_sessions"]] == line["authorised"]
        assert r[col["unauthorised_absence_sessions"]] == line["unauthorised"]
        reasons = [r[col["sessions_" + code]] for code in page["reasons"]]
        assert reasons == line["reasons"]
        assert r[col["from"]] == page["from"] and r[col["to"]] == page["to"], "dates are ISO text"


def test_la_returns_workbook_has_every_return(head):
    book = workbook(head, "/la-returns?format=xlsx")
    assert book.sheetnames == ["New pupils", "Deletions", "Unauthorised 10+ days", "Illness over 15 days", "Persistent absence",
                                "Exclusions", "Part-time timetables"]
    page = json.loads(head.get("/la-returns?format=json"))
    pa = rows(book["Persistent absence"])
    assert len(pa) == len(page["persistent_absence"]["lines"]) + 1
    assert [r[0] for r in pa[1:]] == [l["upn"] for l in page["persistent_absence"]["lines"]]
    assert len(rows(book["Deletions"])) == len(page["deletions"]) + 1
    # One return on its own, as CSV and XLSX, holds the same rows.
    one = rows(workbook(head, "/la-returns?return=persistent_absence&format=xlsx").worksheets[0])
    as_csv = csv_rows(head, "/la-returns?return=persistent_absence&format=csv")
    assert [r[0] for r in one] == [r[0] for r in as_csv]


def test_lists_workbooks_match_their_csv(head):
    for path in ["/lists?sort=name", "/analytics/lists?period=year"]:
        sep = "&" if "?" in path else "?"
        book = rows(workbook(head, path + sep + "format=xlsx").worksheets[0])
        table = csv_rows(head, path + sep + "format=csv")
        assert book[0] == table[0], path
        assert len(book) == len(table) and len(table) > 1, path
        for a, b in zip(book[1:], table[1:]):
            assert [str(x) if x is not None else "" for x in a[:3]] == b[:3], path


def test_la_officer_sees_a_school_column_and_others_are_refused(server):
    la = HttpUser(server, LA_OFFICER)
    table = rows(workbook(la, "/census?format=xlsx").worksheets[0])
    assert table[0][0] == "school" and len(table) > 1
    office = HttpUser(server, OFFICE)
    assert rows(workbook(office, "/census?format=xlsx").worksheets[0])[0][0] == "upn"
    for email, path in [(TEACHER, "/census?format=xlsx"), (TEACHER, "/la-returns"), (OFFICE, "/la-returns?format=xlsx")]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            HttpUser(server, email).get(path)
        assert refused.value.code == 403, (email, path)


def test_la_returns_and_census_pages_have_no_serious_or_critical_violation(any_browser, server):
    """axe-core on the LA returns and census pages (head) at phone and desktop widths; on the phone the pages fit the
    width (wide tables scroll inside themselves)."""
    from selenium.webdriver.common.by import By

    from helpers import check_renders, go, h1, sign_in
    from test_accessibility import FAILING_IMPACTS, axe_violations, describe

    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    sign_in(browser, server, HEAD)
    for path, heading in [("/la-returns", "LA returns"), ("/la-returns?half_term=1", "LA returns"), ("/census", "Census: Autumn 2026")]:
        go(browser, server, path)
        check_renders(browser)
        assert h1(browser) == heading, f"{path} is headed {h1(browser)!r}"
        assert browser.find_elements(By.CSS_SELECTOR, "#main table caption"), f"{path} has no table with a caption"
        _, violations = axe_violations(browser)
        failures += [describe(f"{path} ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS]
        if width == "phone":
            inner = browser.execute_script("return window.innerWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= inner + 1, f"{path} is {scroll} px wide in a {inner} px window"
    assert not failures, "\n\n".join(failures)
