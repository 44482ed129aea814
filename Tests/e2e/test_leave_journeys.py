"""Leave journeys in a real browser, on a server of their own (test_policy_journeys.JourneyServer) so the shared
demo server's policy is not changed:

  test_c1_request_below_the_projected_attendance_floor_is_refused_with_the_figures
      seed 004 'Performances and activities': the head "will not authorise any absences which would mean that a
      pupil's attendance would fall below 96 percent". A parent asks for four weeks' leave for a licensed performance
      (C1); the head sees attendance now, projected to the end of the year with the leave, and the 96% floor; granting
      it as C1 is rejected with the figures and nothing saved; the head refuses it with the suggested words, and the
      parent reads the refusal in plain words, with no setting names or staff text.
"""

from __future__ import annotations

import json
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from helpers import HEAD, LEAD, REPO_ROOT, check_form_was_accepted, check_renders, go, main_text, path_of, sign_in, submit_and_wait, wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe
from test_parents import demo_parents, fill_date, first_child, parent_sign_in
from test_policy_journeys import journey, upload_policy  # noqa: F401 (journey is a fixture)

SEED_004 = REPO_ROOT / "Policies" / "seed-004-trust-primary.json"
# Words of the staff side that must never reach the family.
STAFF_WORDS = ["leave.", "projected to the end of the year", "Seed 004", "the head decides", "sessions of leave"]


def seed_004() -> dict:
    """Seed 004's policy in force from the demo's 2026/27 year, with the demo school's AM register times."""
    policy = json.loads(SEED_004.read_text())
    policy["effective_from"] = "2026-09-01"
    policy["register"]["am"] = {"opens": "8:45", "late_after": "8:55", "closes": "9:15"}
    return policy


def percent(text: str, label: str) -> float:
    m = re.search(re.escape(label) + r"\s+(\d+(?:\.\d)?)%", text)
    assert m, f"no '{label} N%' on the page:\n{text[:1500]}"
    return float(m.group(1))


def test_c1_request_below_the_projected_attendance_floor_is_refused_with_the_figures(journey, browser, desktop):
    make, _sink = journey
    server = make("leave-floor")
    server.start("2026-11-25T08:46")
    sign_in(desktop, server, LEAD)
    upload_policy(desktop, server, seed_004())

    # A parent asks, on a phone, for four school weeks of leave for a licensed performance.
    email = demo_parents(browser, server)[1]
    parent_sign_in(browser, server, email)
    upn, _name = first_child(browser)
    go(browser, server, f"/parent/children/{upn}/leave")
    check_renders(browser)
    Select(browser.find_element(By.ID, "code")).select_by_value("C1")
    fill_date(browser, "from", "2027-01-11")
    fill_date(browser, "to", "2027-02-05")
    browser.find_element(By.ID, "reason").send_keys("A part in a touring production of a children's opera")
    # Four weeks is 15 school days or more: seed 004 asks where the child stays.
    browser.find_element(By.ID, "temporaryAddress").send_keys("Company lodgings, 5 Theatre Yard, Bristol")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#main form button[type=submit]"))
    check_form_was_accepted(browser)
    assert path_of(browser) == f"/parent/children/{upn}", main_text(browser)

    # The head opens it: attendance now, projected with the leave, and the floor.
    go(desktop, server, "/")
    submit_and_wait(desktop, desktop.find_element(By.CSS_SELECTOR, "form.signout button"))
    sign_in(desktop, server, HEAD)
    go(desktop, server, "/leave")
    row = desktop.find_element(By.XPATH, f"//tr[.//a[@href='/pupils/{upn}']][contains(., 'children')]")
    row.find_element(By.XPATH, ".//a[starts-with(@href, '/leave/')]").click()
    wait(desktop).until(lambda d: path_of(d).startswith("/leave/"))
    check_renders(desktop)
    box = desktop.find_element(By.ID, "projection").text
    now = percent(box, "Attendance now")
    projected = percent(box, "Projected with the leave")
    assert "The policy's floor 96%" in box, box
    assert projected < 96 and projected < now, f"four weeks of leave should take attendance below 96%:\n{box}"
    text = main_text(desktop)
    assert "A performance or activity licensed by the local authority (C1)" in text, text
    finding = desktop.find_element(By.XPATH, "//li[contains(@class, 'finding')][contains(., 'projected to the end of the year')]").text
    assert "Refuse" in finding and f"{projected}%" in finding and "the floor 96%" in finding, finding

    _version, violations = axe_violations(desktop)
    bad = [describe("leave decision with the floor", v) for v in violations if v.get("impact") in FAILING_IMPACTS]
    assert not bad, "\n".join(bad)

    # Granting it as C1 is rejected, with the figures; nothing is saved.
    decide_path = path_of(desktop)
    Select(desktop.find_element(By.ID, "grant-code")).select_by_value("C1")
    desktop.find_element(By.ID, "grant-licence").send_keys("LA-PERF-2027-0007")
    submit_and_wait(desktop, desktop.find_element(By.CSS_SELECTOR, "form[action$='/grant'] button[type=submit]"))
    error = desktop.find_element(By.CSS_SELECTOR, "#main p.error").text
    assert "leave.refuse_below_projected_attendance" in error and f"{projected}%" in error and "Nothing was saved." in error, error
    go(desktop, server, decide_path)
    assert "Waiting for a decision" in main_text(desktop)

    # Refused with the suggested words, which are the family's.
    suggested = desktop.find_element(By.ID, "refuse-reason").get_attribute("value")
    assert "below 96%" in suggested and f"{projected}%" in suggested, suggested
    for w in STAFF_WORDS:
        assert w not in suggested, f"the suggested refusal carries staff text {w!r}: {suggested}"
    submit_and_wait(desktop, desktop.find_element(By.CSS_SELECTOR, "form[action$='/refuse'] button[type=submit]"))
    check_form_was_accepted(desktop)
    assert "Refused by" in main_text(desktop), main_text(desktop)

    # The staff record keeps the figures.
    go(desktop, server, f"/pupils/{upn}")
    assert f"projected to the end of the year with the leave {projected}%; the floor 96%" in main_text(desktop), \
        main_text(desktop)[:2000]

    # The parent sees the refusal in plain words.
    go(browser, server, f"/parent/children/{upn}")
    text = main_text(browser)
    assert "Refused" in text and "below 96%" in text, text
    for w in STAFF_WORDS:
        assert w not in text, f"the parent's page carries staff text {w!r}:\n{text}"
