"""The guided import, as an office would use it on a school's first day with Rollbook: a pupils file from another
system, with that system's own column names, uploaded, matched column by column, previewed with its errors, put
right, and imported whole. The matching is offered again for the next file. axe-core checks each step at phone and
desktop widths. The journey runs on its own demo server, so the pupil it admits is seen by no other test."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import OFFICE, TODAY, RollbookProcess, go, h1, sign_in, submit_and_wait, wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe

# Fictional pupils, as another system exports them: its own names and order, and a column Rollbook has no use for.
OTHER_SYSTEM = """Reg Group,UPN,Surname,Forename,Birth Date,Gender,NC Year,Admission Date,Ethnicity
7Q,Q10000000{n}071,Pemberton,Ada,2014-10-02,F,7,{today},WBRI
7Q,Q10000000{n}072,Okonkwo-Lea,Sam,2014-13-40,M,7,{today},WBRI
"""

MATCH = {"map-legal-surname": "Surname", "map-legal-forename": "Forename", "map-date-of-birth": "Birth Date",
         "map-sex": "Gender", "map-year-group": "NC Year", "map-form": "Reg Group", "map-starting-day": "Admission Date"}


@pytest.fixture(scope="module")
def own_server():
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-guided-import-"))
    server = RollbookProcess(workdir, sqlite=workdir / "school.sqlite")
    server.start()
    server.wait_ready()
    yield server
    server.stop()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_upload_match_preview_and_import_a_pupils_file(own_server, request, width, tmp_path):
    browser = request.getfixturevalue("browser" if width == "phone" else "desktop")
    failures: list[str] = []

    def check(page: str) -> None:
        for v in axe_violations(browser)[1]:
            if v["impact"] in FAILING_IMPACTS:
                failures.append(describe(f"{page} ({width})", v))

    sign_in(browser, own_server, OFFICE)
    go(browser, own_server, "/import")
    assert h1(browser) == "Import from another system"
    check("upload /import")
    # Each width admits its own two pupils.
    suffix = "1" if width == "phone" else "2"
    text = OTHER_SYSTEM.format(today=TODAY, n=suffix)
    upload = tmp_path / "from-other-system.csv"
    upload.write_text(text)
    Select(browser.find_element(By.ID, "import-kind")).select_by_value("pupils")
    browser.find_element(By.ID, "import-file").send_keys(str(upload))
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Upload']"))
    # Matched by name: UPN; the rest by hand (unless the first width saved them already).
    assert Select(browser.find_element(By.ID, "map-upn")).first_selected_option.text == "UPN"
    check("match the columns /import")
    for select_id, column in MATCH.items():
        Select(browser.find_element(By.ID, select_id)).select_by_visible_text(column)
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save the matching and preview']"))
    errors = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ul.errors li")]
    assert len(errors) == 1 and errors[0].startswith("Line 3, column date_of_birth:"), errors
    assert not browser.find_elements(By.XPATH, "//button[starts-with(normalize-space(), 'Import all')]")
    check("preview with an error /import/preview")

    # Put right in the other system and uploaded again: the matching is offered as saved.
    upload.write_text(text.replace("2014-13-40", "2014-11-30"))
    go(browser, own_server, "/import")
    Select(browser.find_element(By.ID, "import-kind")).select_by_value("pupils")
    browser.find_element(By.ID, "import-file").send_keys(str(upload))
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Upload']"))
    assert "as the school saved it last time" in browser.find_element(By.ID, "main").text
    for select_id, column in MATCH.items():
        assert Select(browser.find_element(By.ID, select_id)).first_selected_option.text == column, select_id
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save the matching and preview']"))
    assert browser.find_element(By.CSS_SELECTOR, "section.card h2").text == "3. Preview: 2 rows"
    check("preview ready to import /import/preview")
    submit_and_wait(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Import all 2 rows']"))
    # The import's own page follows it until it lands.
    assert browser.current_url.split(own_server.base_url)[-1].startswith("/import/jobs/")
    done = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.ok, p.error"))[0]
    assert "Imported 2 pupils from from-other-system.csv: 2 admitted" in done.text
    assert "2 of 2 rows (100%)" in browser.find_element(By.ID, "main").text
    check("the import done /import/jobs")
    go(browser, own_server, f"/pupils/Q10000000{suffix}071")
    assert "Pemberton" in browser.find_element(By.ID, "main").text
    assert not failures, "\n".join(failures)


def test_a_term_of_marks_for_the_whole_school_through_the_page_with_its_progress(own_server, desktop, tmp_path):
    """A file far larger than an ordinary form (the page posts it back whole to preview and to import): every
    pupil's marks for 60 school days, 1.5 MB. The import's own page follows it to the end."""
    import datetime
    import sqlite3

    upns = [r[0] for r in sqlite3.connect(own_server.sqlite).execute("SELECT upn FROM pupils ORDER BY upn")]
    lines = ["Pupil,Day,Half,Mark"]
    d, days = datetime.date(2027, 1, 4), 0
    while days < 60:
        if d.weekday() < 5:
            for u in upns:
                lines += [f"{u},{d.isoformat()},AM,/", f"{u},{d.isoformat()},PM,/"]
            days += 1
        d += datetime.timedelta(days=1)
    upload = tmp_path / "spring-marks.csv"
    upload.write_text("\n".join(lines) + "\n")
    rows = len(lines) - 1
    assert upload.stat().st_size > 1_000_000

    sign_in(desktop, own_server, OFFICE)
    go(desktop, own_server, "/import")
    Select(desktop.find_element(By.ID, "import-kind")).select_by_value("marks")
    desktop.find_element(By.ID, "import-file").send_keys(str(upload))
    submit_and_wait(desktop, desktop.find_element(By.XPATH, "//button[normalize-space()='Upload']"))
    for select_id, column in {"map-upn": "Pupil", "map-date": "Day", "map-session": "Half", "map-code": "Mark"}.items():
        Select(desktop.find_element(By.ID, select_id)).select_by_visible_text(column)
    submit_and_wait(desktop, desktop.find_element(By.XPATH, "//button[normalize-space()='Save the matching and preview']"))
    assert desktop.find_element(By.CSS_SELECTOR, "section.card h2").text == f"3. Preview: {rows} rows"
    submit_and_wait(desktop, desktop.find_element(By.XPATH, f"//button[normalize-space()='Import all {rows} rows']"))
    assert "/import/jobs/" in desktop.current_url
    done = wait(desktop, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.ok, p.error"))[0]
    assert f"Imported {rows} marks from spring-marks.csv: {rows} new" in done.text, done.text
    assert f"{rows} of {rows} rows (100%)" in desktop.find_element(By.ID, "main").text
