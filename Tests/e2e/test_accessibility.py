"""axe-core (the copy selenium-axe-python ships, 4.9.1) on every staff page, at phone and desktop widths.

The pages: the signed-out home page, a sign-in error, Today, an open register and a closed one (with its reason
field), a pupil search with results, a pupil page with every table filled (office view, with the forms), Lists,
Missing registers, two 404 pages and a 403 page. Anything behind <details> is opened first.

A violation whose impact is serious or critical fails the test, listed with its rule, help and the elements that
fail it (with the heading of the section each is in). Minor and moderate ones do not fail: they are listed at the
end of pytest's output ("accessibility (axe-core): minor and moderate findings") so they can be fixed in time.
"""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
from selenium_axe_python import Axe
from selenium.webdriver.common.by import By

from helpers import (A11Y_FORM, ACCESSIBILITY_NOTES, ACCESSIBILITY_RUNS, DOMAIN, GOVERNOR, HEAD, LEAD, OFFICE, PASSWORD, PREVIOUS_SCHOOL_DAY,
                     READ_ONLY_FORM, TODAY, TODAY_HEADING, HttpUser, check_forbidden, check_renders, fill_sign_in, go,
                     h1, pupil_links, section_table_rows, sign_in, submit_and_wait, switch_user)

FAILING_IMPACTS = ("serious", "critical")

RUN_AXE = """
const done = arguments[arguments.length - 1];
// Where a failing element is, in words: the heading (or summary) of the section or card it is in.
const where = (selector) => {
  const el = document.querySelector(selector);
  const box = el && el.closest('details, .card, section, form, main');
  const heading = box && box.querySelector('h1, h2, h3, summary');
  return heading ? heading.textContent.trim().replace(/\\s+/g, ' ') : '';
};
axe.run(document, {resultTypes: ['violations']})
   .then(r => done({version: axe.version, violations: r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), where: n.target.length === 1 ? where(n.target[0]) : '',
                                  summary: n.failureSummary || ''}))}))}),
         e => done({error: String(e)}));
"""


TOMORROW = "2026-11-26"


def axe_violations(browser) -> tuple[str, list[dict]]:
    Axe(browser).inject()
    result = browser.execute_async_script(RUN_AXE)
    assert "error" not in result, f"axe-core failed on {browser.current_url}: {result['error']}"
    return result["version"], result["violations"]


def describe(page: str, v: dict, nodes: int = 6) -> str:
    lines = [f"{page}: {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]"]
    for n in v["nodes"][:nodes]:
        summary = " ".join(n["summary"].split())
        place = f" (in '{n['where']}')" if n["where"] else ""
        lines.append(f"    {n['target']}{place}" + (f" -- {summary[:220]}" if summary else ""))
    if len(v["nodes"]) > nodes:
        lines.append(f"    … and {len(v['nodes']) - nodes} more elements")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pupil_with_history(server) -> str:
    """A pupil whose page has every table filled: the office amends one of their marks on a closed register (with
    a reason) and records a late arrival today. Set up over plain HTTP; returns the UPN."""
    office = HttpUser(server, OFFICE)
    register = f"/registers/{PREVIOUS_SCHOOL_DAY}/AM?form={A11Y_FORM}"
    upn = re.search(r'href="/pupils/([^"]+)"', office.get(register)).group(1)
    status, page = office.post(register, f"/registers/{PREVIOUS_SCHOOL_DAY}/AM",
                               {"form": A11Y_FORM, f"code_{upn}": "M", "reason": "Dentist's letter brought in on 25 Nov"})
    assert status == 200 and "1 changed" in page, f"the amendment for the accessibility check failed ({status})"
    status, page = office.post(f"/pupils/{upn}", f"/pupils/{upn}/arrival", {"time": "09:30"})
    assert status == 200 and "Arrival at 9:30 recorded" in page, f"the late arrival for the accessibility check failed ({status})"
    return upn


@pytest.fixture(scope="module")
def letter_sent(server) -> str:
    """A pupil with a letter on their timeline: the attendance lead completes a stage entry from the worklist."""
    lead = HttpUser(server, LEAD)
    page = lead.get("/worklist?kind=stage_entry")
    item = re.search(r'name="key" value="([^"]+)"><input type="hidden" name="upn" value="([^"]+)"', page)
    assert item, "the worklist proposes no stage entry to complete"
    key, upn = html.unescape(item.group(1)), html.unescape(item.group(2))
    draft_path = "/worklist/letter?" + urllib.parse.urlencode({"key": key, "upn": upn})
    draft = lead.get(draft_path)
    subject = html.unescape(re.search(r'id="send-subject" name="subject" type="text" value="([^"]*)"', draft).group(1))
    body = html.unescape(re.search(r'<textarea id="send-body"[^>]*>([^<]*)</textarea>', draft).group(1))
    status, after = lead.post(draft_path, "/worklist/complete",
                              {"key": key, "upn": upn, "note": "posted", "subject": subject, "body": body, "channel": "post"})
    assert status == 200 and "The letter is on the timeline" in after, f"completing the stage entry failed ({status})"
    return item.group(2)


@pytest.fixture(scope="module")
def part_time_notice(server) -> str:
    """The worklist's message to the LA for a part-time timetable starting today: a parent (the last demo account, so
    the parent journeys' first family is untouched) asks for leave from this afternoon (the teacher's journey takes
    this morning's register of the same form), the head grants C2 with Thursday afternoon not expected and a 10:00
    start on Thursday; returns the draft's path."""
    page = urllib.request.urlopen(server.url("/parent/sign-in")).read().decode()
    email = re.findall(r"<code>([^<]+@[^<]+)</code>", page)[-1]
    parent = HttpParent(server, email)
    upn = re.search(r'href="/parent/children/([^"/]+)"', parent.get("/parent")).group(1)
    status, _ = parent.post(f"/parent/children/{upn}/leave", f"/parent/children/{upn}/leave",
                            {"from": TODAY, "to": TOMORROW, "fromSession": "pm", "toSession": "pm",
                             "exceptional": "on", "reason": "Accessibility check: a phased return"})
    assert status == 200, f"the parent's leave request failed ({status})"
    head = HttpUser(server, HEAD)
    leave_id = re.findall(r'href="/leave/(\d+)"', head.get("/leave"))[-1]
    status, _ = head.post(f"/leave/{leave_id}", f"/leave/{leave_id}/grant",
                          {"code": "C2", "from": TODAY, "to": TOMORROW, "fromSession": "pm", "toSession": "pm",
                           "timetable": "Mornings only on Thursday", "reviewDate": TOMORROW, "notExpected[]": "thu_pm",
                           "agreedStart[thu]": "10:00"})
    assert status == 200, f"granting the part-time timetable failed ({status})"
    lead = HttpUser(server, LEAD)
    keys = re.findall(r'name="key" value="([^"]*part_time\.inform_la[^"]*)"><input type="hidden" name="upn" value="([^"]+)"',
                      lead.get("/worklist?kind=inform_la"))
    assert keys, "the worklist proposes no message to the LA for the part-time timetable"
    return "/worklist/letter?" + urllib.parse.urlencode({"key": html.unescape(keys[0][0]), "upn": keys[0][1]})


def test_every_page_has_no_serious_or_critical_accessibility_violation(any_browser, server, pupil_with_history, letter_sent,
                                                                        part_time_notice):
    browser = any_browser
    width = browser.rollbook_width
    checked: list[str] = []
    failures: list[str] = []
    version = "?"

    def check(page: str) -> None:
        nonlocal version
        check_renders(browser)
        # What a click would show is checked too (e.g. the pupil page's weekly figures inside <details>).
        browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        version, violations = axe_violations(browser)
        checked.append(page)
        for v in violations:
            text = describe(f"{page} ({width})", v)
            if v["impact"] in FAILING_IMPACTS:
                failures.append(text)
            else:
                ACCESSIBILITY_NOTES.append(text)

    # First, that axe runs and reports here: a page with an image without alt text and no language.
    browser.get("data:text/html,<!doctype html><title>broken</title><main><img src='x.png'></main>")
    _, canary = axe_violations(browser)
    found = {v["id"]: v["impact"] for v in canary}
    assert found.get("image-alt") == "critical" and found.get("html-has-lang") == "serious", \
        f"axe did not find the faults of a deliberately broken page: {found}"

    go(browser, server, "/")
    check("signed-out home /")
    fill_sign_in(browser, server, OFFICE, "not-the-password")
    assert browser.find_elements(By.CSS_SELECTOR, ".signin .error"), "a wrong password showed no error"
    check("sign-in error")

    sign_in(browser, server, OFFICE)
    assert h1(browser) == TODAY_HEADING
    check("Today /today (office)")
    go(browser, server, f"/registers/{TODAY}/AM?form={READ_ONLY_FORM}")
    assert browser.find_elements(By.CSS_SELECTOR, "form#register li.pupil input[type=radio]"), "the open register has no choices"
    check(f"open register /registers/{TODAY}/AM?form={READ_ONLY_FORM}")
    go(browser, server, f"/registers/{PREVIOUS_SCHOOL_DAY}/AM?form={READ_ONLY_FORM}")
    assert browser.find_elements(By.ID, "reason"), "the closed register asks no reason of the office"
    check(f"closed register /registers/{PREVIOUS_SCHOOL_DAY}/AM?form={READ_ONLY_FORM}")
    go(browser, server, "/pupils?q=a")
    found = pupil_links(browser)
    assert found, "the pupil search for 'a' found nobody"
    check("pupil search /pupils?q=a")
    go(browser, server, f"/pupils/{pupil_with_history}")
    assert browser.find_elements(By.ID, "arrival-time"), "the office's pupil page has no late book"
    assert section_table_rows(browser, "Amendments") and section_table_rows(browser, "Absences and lateness this year"), \
        "the pupil page to check should show amendments and absences"
    check(f"pupil page /pupils/{pupil_with_history} (office)")
    go(browser, server, "/lists")
    check("Lists /lists")
    go(browser, server, "/registers/missing")
    check("Missing registers /registers/missing")
    go(browser, server, "/lunchtime")
    assert h1(browser).startswith("Lunchtime leave"), f"/lunchtime is headed {h1(browser)!r}"
    check("Lunchtime leave /lunchtime")
    go(browser, server, "/pupils/X000000000000")
    assert h1(browser) == "Not Found", f"an unknown pupil's page is headed {h1(browser)!r}, not Not Found"
    check("404 page /pupils/X000000000000")
    go(browser, server, "/no-such-page")
    assert h1(browser) == "Not Found", f"an unknown address is headed {h1(browser)!r}, not Not Found"
    check("404 page /no-such-page")

    # The attendance lead's pages: policy, worklist, a pupil's casework, a letter as sent.
    switch_user(browser, server, LEAD)
    go(browser, server, "/policy")
    assert browser.find_elements(By.ID, "policy-document"), "the lead's policy page has no editor"
    check("Policy /policy (lead)")
    go(browser, server, "/worklist?kind=penalty_threshold")
    assert browser.find_elements(By.CSS_SELECTOR, "li.action"), "the worklist shows no penalty-threshold action"
    check("Worklist /worklist?kind=penalty_threshold (lead)")
    go(browser, server, "/worklist?kind=stage_entry")
    write = browser.find_elements(By.XPATH, "//button[normalize-space()='Write the letter']")
    assert write, "the worklist has no stage entry with a letter to write"
    submit_and_wait(browser, write[0])
    assert browser.find_elements(By.ID, "send-body"), "the letter to send has no editor"
    check("a letter to edit and send /worklist/letter (lead)")
    go(browser, server, part_time_notice)
    assert browser.find_elements(By.ID, "send-body") and h1(browser).startswith("Tell the LA"), "the LA message has no editor"
    check("a message to the LA about a part-time timetable /worklist/letter (lead)")
    go(browser, server, "/letters")
    check("Letters /letters (lead)")
    go(browser, server, "/letters/concern")
    assert browser.find_elements(By.ID, "letter-body"), "the letter page has no editor"
    check("a letter's wording /letters/concern (lead)")
    go(browser, server, f"/pupils/{letter_sent}")
    letter = browser.find_elements(By.PARTIAL_LINK_TEXT, "the letter as sent")
    assert letter, "the pupil's timeline has no letter"
    check(f"pupil page with casework /pupils/{letter_sent} (lead)")
    go(browser, server, letter[0].get_attribute("href").replace(server.base_url, ""))
    assert browser.find_elements(By.CSS_SELECTOR, "article.letter"), "the letter page shows no letter"
    check("a letter as sent (lead)")
    go(browser, server, "/ctf")
    assert h1(browser) == "Common Transfer Files", f"/ctf is headed {h1(browser)!r}"
    check("Common Transfer Files /ctf (lead)")
    go(browser, server, "/import")
    assert h1(browser) == "Import from another system", f"/import is headed {h1(browser)!r}"
    check("Import from another system /import (lead)")
    go(browser, server, "/barriers")
    assert h1(browser) == "Barriers to attendance", f"/barriers is headed {h1(browser)!r}"
    check("Barriers to attendance /barriers (lead)")

    # The head's access log of safeguarding details: the pupil pages above were viewed by staff.
    switch_user(browser, server, HEAD)
    go(browser, server, "/access-log")
    assert h1(browser).startswith("Access log"), f"/access-log is headed {h1(browser)!r}"
    check("Access log /access-log (head)")

    switch_user(browser, server, GOVERNOR)
    go(browser, server, "/lists")
    check_forbidden(browser, "/lists", "governor")
    check("403 page /lists (governor)")

    assert len(checked) == 25, f"the test should have checked 25 pages, it checked {checked}"
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core {version} on {len(checked)} pages, {len(failures)} serious or critical")
    summary = (f"axe-core {version} on {len(checked)} pages at {width} width: {len(failures)} serious or critical "
               f"violations:\n\n" + "\n\n".join(failures))
    assert not failures, summary


class HttpParent(HttpUser):
    """A signed-in parent over plain HTTP."""

    def __init__(self, server, email: str):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.post("/parent/sign-in", "/parent/sign-in", {"email": email, "password": PASSWORD})
        assert "/parent/sign-out" in self.get("/parent"), f"{email} could not sign in to the parent portal"


@pytest.fixture(scope="module")
def parent_loop(server):
    """A parent's pending absence report and leave request (so Reports, Leave and a decision page have content);
    both are decided again at the end, so the journeys in test_parents.py start clean."""
    page = urllib.request.urlopen(server.url("/parent/sign-in")).read().decode()
    email = [e for e in re.findall(r"<code>([^<]+@[^<]+)</code>", page)][0]
    parent = HttpParent(server, email)
    upn = re.search(r'href="/parent/children/([^"/]+)"', parent.get("/parent")).group(1)
    status, _ = parent.post(f"/parent/children/{upn}/report", f"/parent/children/{upn}/report",
                            {"from": TOMORROW, "sessions": "am", "category": "illness", "note": "Accessibility check"})
    assert status == 200, f"the parent's report failed ({status})"
    status, _ = parent.post(f"/parent/children/{upn}/leave", f"/parent/children/{upn}/leave",
                            {"from": "2027-01-11", "to": "2027-01-12", "fromSession": "am", "toSession": "pm",
                             "reason": "Accessibility check: a family funeral"})
    assert status == 200, f"the parent's leave request failed ({status})"
    head = HttpUser(server, HEAD)
    leave_id = re.findall(r'href="/leave/(\d+)"', head.get("/leave"))[-1]
    yield {"email": email, "upn": upn, "leave": leave_id, "parent": parent}
    office = HttpUser(server, OFFICE)
    for report_id in re.findall(r'action="/reports/(\d+)/decline"', office.get("/reports")):
        office.post("/reports", f"/reports/{report_id}/decline", {"note": "accessibility check", "back": "reports"})
    head.post(f"/leave/{leave_id}", f"/leave/{leave_id}/refuse", {"reason": "accessibility check"})


def test_parent_pages_and_the_offices_parent_loop_pages_have_no_serious_or_critical_violation(any_browser, server, parent_loop):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    checked: list[str] = []

    def check(page: str) -> None:
        check_renders(browser)
        version, violations = axe_violations(browser)
        checked.append(page)
        for v in violations:
            text = describe(f"{page} ({width})", v)
            (failures if v["impact"] in FAILING_IMPACTS else ACCESSIBILITY_NOTES).append(text)

    upn = parent_loop["upn"]
    go(browser, server, "/parent/sign-in")
    check("parent sign-in /parent/sign-in")
    browser.find_element(By.ID, "email").send_keys(parent_loop["email"])
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form[action='/parent/sign-in'] button").click()
    go(browser, server, "/parent")
    check("parent home /parent")
    go(browser, server, f"/parent/children/{upn}")
    check("a child's attendance /parent/children/UPN")
    go(browser, server, f"/parent/children/{upn}/report")
    check("report an absence")
    browser.find_element(By.CSS_SELECTOR, "#main form button[type=submit]").click()  # no category: an error to show
    go(browser, server, f"/parent/children/{upn}/leave")
    check("ask for leave")
    browser.find_element(By.CSS_SELECTOR, "form[action='/parent/sign-out'] button").click()

    sign_in(browser, server, OFFICE)
    go(browser, server, "/reports")
    check("Reports /reports (office)")
    go(browser, server, "/outbox")
    check("Outbox /outbox (office)")
    go(browser, server, f"/pupils/{upn}")
    check("pupil page with a parent's report (office)")
    switch_user(browser, server, HEAD)
    go(browser, server, "/leave")
    check("Leave /leave (head)")
    go(browser, server, f"/leave/{parent_loop['leave']}")
    check("a leave decision /leave/ID (head)")

    assert len(checked) == 10, checked
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on {len(checked)} parent-loop pages, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)


# The analytics pages as the office sees them, with the heading each must show, and the two a governor sees.
ANALYTICS_OFFICE_PAGES = [
    ("/analytics", "Attendance overview"),
    ("/analytics/cohorts", "Attendance by group"),
    ("/analytics/patterns", "Patterns of absence"),
    ("/analytics/lists?period=week", "Attendance lists"),
    ("/analytics/rewards", "Rewards"),
    ("/analytics/early-warning", "Early warning"),
]
ANALYTICS_GOVERNOR_PAGES = [
    ("/analytics", "Attendance overview"),
    ("/analytics/patterns", "Patterns of absence"),
]


def test_analytics_pages_have_no_serious_or_critical_violation(any_browser, server):
    """axe-core on the six analytics pages (office) and on the two a governor reads without pupils' names; on the
    phone, each page also fits the 390 px width (wide tables scroll inside themselves)."""
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    too_wide: list[str] = []
    checked: list[str] = []
    version = "?"

    def check(page: str, heading: str) -> None:
        nonlocal version
        check_renders(browser)
        assert h1(browser) == heading, f"{page} is headed {h1(browser)!r}, not {heading!r}"
        # The tabs and the period links are there, with the current tab marked.
        current = browser.find_elements(By.CSS_SELECTOR, "nav[aria-label=Analytics] a[aria-current=page]")
        assert len(current) == 1, f"{page} marks {len(current)} analytics tabs as the current page"
        assert browser.find_elements(By.CSS_SELECTOR, "nav[aria-label=Period] a[aria-current]"), f"{page} marks no period"
        browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        version, violations = axe_violations(browser)
        checked.append(page)
        for v in violations:
            text = describe(f"{page} ({width})", v)
            (failures if v["impact"] in FAILING_IMPACTS else ACCESSIBILITY_NOTES).append(text)
        if width == "phone":
            inner = browser.execute_script("return window.innerWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            if scroll > inner + 1:
                wide = browser.execute_script(
                    "const w = window.innerWidth + 1; return Array.from(document.querySelectorAll('#main *, header *'))"
                    ".filter(e => e.getBoundingClientRect().right > w)"
                    ".map(e => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class').split(' ').join('.') : ''))")
                too_wide.append(f"{page} is {scroll} px wide in a {inner} px window; too wide: {wide[:8]}")

    sign_in(browser, server, OFFICE)
    for path, heading in ANALYTICS_OFFICE_PAGES:
        go(browser, server, path)
        check(f"{path} (office)", heading)
        if path == "/analytics/patterns":
            assert browser.find_elements(By.CSS_SELECTOR, "#main svg[role=img]"), "the patterns page shows no chart"

    switch_user(browser, server, GOVERNOR)
    for path, heading in ANALYTICS_GOVERNOR_PAGES:
        go(browser, server, path)
        check(f"{path} (governor)", heading)
        names = browser.find_elements(By.CSS_SELECTOR, "#main a[href^='/pupils/']")
        assert not names, f"{path} shows the governor {len(names)} links to pupils, e.g. {names[0].text!r}"

    assert len(checked) == 8, f"the test should have checked 8 analytics pages, it checked {checked}"
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core {version} on {len(checked)} analytics pages, {len(failures)} serious or critical")
    assert not failures and not too_wide, "\n\n".join(failures + too_wide)


# The reports people are asked to see (issue 16): as the head, then the two a governor reads (figures only).
REPORTS_HEAD_PAGES = [
    ("/analytics/newsletter", "Newsletter figures"),
    ("/analytics/newsletter?period=half_term", "Newsletter figures"),
    ("/analytics/interventions", "Impact of interventions"),
    ("/analytics/interventions/pupils?kind=letter_sent", "Letter sent: the pupils"),
    ("/analytics/benchmark", "Benchmarking"),
]
REPORTS_GOVERNOR_PAGES = [
    ("/analytics/interventions", "Impact of interventions"),
    ("/analytics/benchmark", "Benchmarking"),
]


def test_reports_pages_have_no_serious_or_critical_violation(any_browser, server):
    """axe-core on the newsletter, interventions and benchmarking pages (head) and the two a governor reads; on the
    phone each fits the 390 px width; the governor sees no link to a pupil."""
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    too_wide: list[str] = []
    checked: list[str] = []

    def check(page: str, heading: str) -> None:
        check_renders(browser)
        assert h1(browser) == heading, f"{page} is headed {h1(browser)!r}, not {heading!r}"
        _, violations = axe_violations(browser)
        checked.append(page)
        for v in violations:
            text = describe(f"{page} ({width})", v)
            (failures if v["impact"] in FAILING_IMPACTS else ACCESSIBILITY_NOTES).append(text)
        if width == "phone":
            inner = browser.execute_script("return window.innerWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            if scroll > inner + 1:
                too_wide.append(f"{page} is {scroll} px wide in a {inner} px window")

    sign_in(browser, server, HEAD)
    for path, heading in REPORTS_HEAD_PAGES:
        go(browser, server, path)
        check(f"{path} (head)", heading)
    switch_user(browser, server, GOVERNOR)
    for path, heading in REPORTS_GOVERNOR_PAGES:
        go(browser, server, path)
        check(f"{path} (governor)", heading)
        names = browser.find_elements(By.CSS_SELECTOR, "#main a[href^='/pupils/'], #main a[href^='/analytics/interventions/pupils']")
        assert not names, f"{path} shows the governor {len(names)} links to pupils"
    assert len(checked) == 7, checked
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on {len(checked)} reports pages, {len(failures)} serious or critical")
    assert not failures and not too_wide, "\n\n".join(failures + too_wide)


# The pupil's own tracker (seed 000 §3.2): an invitation, sign-in (and its error) and the tracker, as the demo pupil.
def test_the_pupil_pages_have_no_serious_or_critical_accessibility_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    checked: list[str] = []

    def check(page: str) -> None:
        check_renders(browser)
        _, violations = axe_violations(browser)
        checked.append(page)
        for v in violations:
            text = describe(f"{page} ({width})", v)
            (failures if v["impact"] in FAILING_IMPACTS else ACCESSIBILITY_NOTES).append(text)

    office = HttpUser(server, OFFICE)
    upn = re.findall(r'href="/pupils/([^"]+)"', office.get(f"/registers/{PREVIOUS_SCHOOL_DAY}/AM?form={READ_ONLY_FORM}"))[2]
    status, page = office.post(f"/pupils/{upn}", f"/pupils/{upn}/pupil-account", {"email": f"a11y.{width}@pupils.example.org"})
    assert status == 200, f"the invitation failed ({status})"
    go(browser, server, re.search(r"Demo: the link is \S*?(/pupil/invitation/rb_[A-Za-z0-9_-]+)", html.unescape(page)).group(1))
    check("pupil invitation /pupil/invitation/TOKEN")
    go(browser, server, "/pupil/sign-in")
    check("pupil sign-in /pupil/sign-in")
    browser.find_element(By.ID, "email").send_keys(f"pupil@{DOMAIN}")
    browser.find_element(By.ID, "password").send_keys("not the password")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/pupil/sign-in'] button"))
    check("pupil sign-in with an error")
    browser.find_element(By.ID, "email").send_keys(f"pupil@{DOMAIN}")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/pupil/sign-in'] button"))
    go(browser, server, "/pupil")
    check("the pupil's tracker /pupil")
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/pupil/sign-out'] button"))

    assert len(checked) == 4, checked
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on {len(checked)} pupil tracker pages, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)


# The termly letter run (seed 003), as the attendance lead sees it on the demo (whose standard policy names no termly
# letters: the page says so; the run with its samples is checked in RollbookServerTests' TermlyLettersServerTests).
def test_the_termly_letter_page_has_no_serious_or_critical_accessibility_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    sign_in(browser, server, LEAD)
    go(browser, server, "/letter-runs")
    assert h1(browser) == "Termly letters", f"/letter-runs is headed {h1(browser)!r}"
    check_renders(browser)
    _, violations = axe_violations(browser)
    failures = [describe(f"Termly letters /letter-runs ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS]
    ACCESSIBILITY_NOTES.extend(describe(f"Termly letters /letter-runs ({width})", v) for v in violations
                               if v["impact"] not in FAILING_IMPACTS)
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert width != "phone" or scroll <= 390, f"/letter-runs is {scroll} px wide on a phone"
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on the termly letter page, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)


# House cups (seed 003) as the office sees them, and postcards (seed 004) as the attendance lead sees them on the demo
# (whose standard policy sends no postcards: the page says so; the run is checked in RewardsMoreServerTests).
REWARDS_MORE_PAGES = [
    (OFFICE, "/analytics/house-cups?period=week", "House cups"),
    (LEAD, "/postcards", "Postcards"),
]


def test_house_cups_and_postcards_have_no_serious_or_critical_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    checked: list[str] = []
    for who, path, heading in REWARDS_MORE_PAGES:
        switch_user(browser, server, who)
        go(browser, server, path)
        assert h1(browser) == heading, f"{path} is headed {h1(browser)!r}"
        check_renders(browser)
        _, violations = axe_violations(browser)
        failures += [describe(f"{heading} {path} ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS]
        ACCESSIBILITY_NOTES.extend(describe(f"{heading} {path} ({width})", v) for v in violations
                                   if v["impact"] not in FAILING_IMPACTS)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert width != "phone" or scroll <= 390, f"{path} is {scroll} px wide on a phone"
        checked.append(path)
    assert len(checked) == 2, checked
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on house cups and postcards, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)


# The end-of-day collection lists (issue 17, seed 003) on the shared demo, whose standard policy sets no end of day:
# the page says so. With seed 003's end of day the lists, and the missing-from-site incident page, are checked at phone
# and desktop widths in test_missing_from_site.py; Today's "missing from site" form is checked with Today above.
SCHOOL_DAY_PAGES = [
    (OFFICE, "/end-of-day", "End of day"),
]


def test_end_of_day_has_no_serious_or_critical_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    for who, path, heading in SCHOOL_DAY_PAGES:
        switch_user(browser, server, who)
        go(browser, server, path)
        assert h1(browser).startswith(heading), f"{path} is headed {h1(browser)!r}"
        check_renders(browser)
        _, violations = axe_violations(browser)
        failures += [describe(f"{heading} {path} ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS]
        ACCESSIBILITY_NOTES.extend(describe(f"{heading} {path} ({width})", v) for v in violations
                                   if v["impact"] not in FAILING_IMPACTS)
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on the end-of-day page, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)


# Reception sign-in for late arrivals (issue 17): the desk page, the kiosk with search results, and a pupil chosen
# (the slip is checked in test_sign_in.py, after a sign-in).
LATE_SIGN_IN_PAGES = [
    "/late-sign-in",
    "/late-sign-in?kiosk=1&q=a",
]


def test_late_sign_in_has_no_serious_or_critical_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    switch_user(browser, server, OFFICE)
    for path in LATE_SIGN_IN_PAGES + ["chosen"]:
        if path == "chosen":
            submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, ".sign-in-results a"))
        else:
            go(browser, server, path)
        assert h1(browser).startswith("Late sign-in"), f"{path} is headed {h1(browser)!r}"
        check_renders(browser)
        _, violations = axe_violations(browser)
        failures += [describe(f"Late sign-in {path} ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS]
        ACCESSIBILITY_NOTES.extend(describe(f"Late sign-in {path} ({width})", v) for v in violations
                                   if v["impact"] not in FAILING_IMPACTS)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert width != "phone" or scroll <= 390, f"{path} is {scroll} px wide on a phone"
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on late sign-in, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)


# The head's service accounts (issue 18): the page, then with an account created and its token shown once.
SERVICE_ACCOUNT_PAGES = [
    "/settings/service-accounts",
    "created",
]


def test_service_accounts_have_no_serious_or_critical_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    switch_user(browser, server, HEAD)
    for path in SERVICE_ACCOUNT_PAGES:
        if path == "created":
            browser.find_element(By.ID, "sa-name").send_keys(f"Accessibility check ({width})")
            submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/settings/service-accounts'] button"))
            assert browser.find_element(By.ID, "token-value").get_attribute("value").startswith("rb_"), "no token shown"
        else:
            go(browser, server, path)
        assert h1(browser) == "Service accounts", f"{path} is headed {h1(browser)!r}"
        check_renders(browser)
        _, violations = axe_violations(browser)
        failures += [describe(f"Service accounts {path} ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS]
        ACCESSIBILITY_NOTES.extend(describe(f"Service accounts {path} ({width})", v) for v in violations
                                   if v["impact"] not in FAILING_IMPACTS)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert width != "phone" or scroll <= 390, f"{path} is {scroll} px wide on a phone"
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on service accounts, {len(failures)} serious or critical")
# Marking a group at once and a pupil's recurring patterns (issue 18): the form, a preview (which writes nothing, so
# the shared demo is left as it was) and a pupil's patterns page. The journey is in test_group_marks.py.
def test_group_marks_and_patterns_have_no_serious_or_critical_violation(any_browser, server):
    browser = any_browser
    width = browser.rollbook_width
    failures: list[str] = []
    switch_user(browser, server, OFFICE)

    def check(page: str, heading: str) -> None:
        assert h1(browser).startswith(heading), f"{page} is headed {h1(browser)!r}"
        check_renders(browser)
        _, violations = axe_violations(browser)
        failures.extend(describe(f"{page} ({width})", v) for v in violations if v["impact"] in FAILING_IMPACTS)
        ACCESSIBILITY_NOTES.extend(describe(f"{page} ({width})", v) for v in violations if v["impact"] not in FAILING_IMPACTS)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert width != "phone" or scroll <= 390, f"{page} is {scroll} px wide on a phone"

    go(browser, server, "/group-marks")
    check("/group-marks", "Mark a group")
    browser.find_element(By.ID, "who-form").click()
    browser.find_element(By.XPATH, f"//select[@id='group-form-name']/option[@value='{READ_ONLY_FORM}']").click()
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "group-from"), TOMORROW)
    browser.find_element(By.ID, "group-reason").send_keys("Museum trip")
    submit_and_wait(browser, browser.find_element(By.XPATH, "//form[@id='group-form']//button[@type='submit']"))
    assert browser.find_elements(By.ID, "group-preview"), browser.page_source[:2000]
    check("/group-marks preview", "Mark a group")
    go(browser, server, f"/registers/{TODAY}/AM?form={READ_ONLY_FORM}")
    upn = browser.find_element(By.CSS_SELECTOR, "li.pupil .who a").get_attribute("href").rsplit("/", 1)[-1]
    go(browser, server, f"/pupils/{upn}/patterns")
    check("/pupils/:upn/patterns", "Recurring patterns")
    ACCESSIBILITY_RUNS.append(f"{width}: axe-core on group marks and patterns, {len(failures)} serious or critical")
    assert not failures, "\n\n".join(failures)
