"""What the browser tests share: the demo school's facts and the steps a person takes on the pages."""

from __future__ import annotations

import base64
import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO_ROOT = Path(__file__).resolve().parents[2]
PHONE = (390, 844)
DESKTOP = (1280, 900)

# What the accessibility test checked, and its minor and moderate axe findings (not failures): printed at the end
# of the run by conftest.pytest_terminal_summary.
ACCESSIBILITY_RUNS: list[str] = []
ACCESSIBILITY_NOTES: list[str] = []

# --- the demo school on the server's clock (conftest.START: Wednesday 2026-11-25, 08:46) ------------------------

DOMAIN = "harbourlane.example.org"
PASSWORD = "rollbook-demo"
TEACHER = f"teacher@{DOMAIN}"
OFFICE = f"office@{DOMAIN}"
LEAD = f"lead@{DOMAIN}"
GOVERNOR = f"governor@{DOMAIN}"
HEAD = f"head@{DOMAIN}"
ALL_ACCOUNTS = ["teacher", "office", "lead", "head", "governor", "la", "year.head"]
OFFICE_SIGNATURE = "Olu Office, Attendance officer"

TODAY = "2026-11-25"
TODAY_HEADING = "Today Wednesday 2026-11-25 · AM"
PREVIOUS_SCHOOL_DAY = "2026-11-24"  # Tuesday, its registers closed and taken by the demo
FORMS = ["RH", "RL", "1H", "1L", "2H", "2L", "3H", "3L", "4H", "4L", "5H", "5L", "6H", "6L"]
TEACHER_FORM = "RH"  # the demo teacher's one form: the first reception form
# The primary demo's AM register times, as the register page prints them.
AM_OPENS, AM_LATE_AFTER, AM_CLOSES = "8:45", "8:55", "9:15"
AM_TIMES_LINE = f"Opens {AM_OPENS}, late after {AM_LATE_AFTER}, closes {AM_CLOSES}"

# Each test that writes marks uses forms of its own, so the tests do not depend on each other's order.
OTHER_FORM = "1L"        # a form that is not the teacher's: refused to the teacher
LATE_BOOK_FORM = "6L"    # the office's late-book test records an arrival for a pupil of this form
AMEND_FORM = "5H"        # the office's amendment test changes a mark on PREVIOUS_SCHOOL_DAY's AM register
GOVERNOR_N_FORM = "4H"   # the governor test marks one pupil N today, so the day-1 list has a name in it
READ_ONLY_FORM = "3H"    # looked at (accessibility) but never marked
A11Y_FORM = "2L"         # one pupil gets an amendment and a late arrival, so the checked pupil page has every table

# --- waiting and reading ---------------------------------------------------------------------------------------


def wait(browser, timeout: float = 15) -> WebDriverWait:
    # While a page is being replaced, chromedriver may answer a probe with an error: keep waiting then.
    return WebDriverWait(browser, timeout, poll_frequency=0.1, ignored_exceptions=(WebDriverException,))


def path_of(browser) -> str:
    return urlparse(browser.current_url).path


def main_text(browser) -> str:
    return browser.find_element(By.ID, "main").text


def h1(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "#main h1").text


def http_status(browser) -> int | None:
    """The status of the page now shown, from the browser's own navigation record (None if it has none)."""
    return browser.execute_script(
        "const e = performance.getEntriesByType('navigation')[0]; return e ? e.responseStatus : null;")


def go(browser, server, path: str) -> None:
    browser.get(server.url(path))
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit_and_wait(browser, button) -> None:
    """Clicks a submit button and waits until the next page has replaced this one (a mark set on this
    document's window is gone, and the new document has loaded)."""
    browser.execute_script("window.__rollbookOldPage = true;")
    try:
        button.click()
    except (StaleElementReferenceException, WebDriverException) as e:
        # The click went through and the page was replaced while chromedriver was still looking at the button.
        if not isinstance(e, StaleElementReferenceException) and "does not belong to the document" not in str(e):
            raise
    wait(browser).until(lambda d: d.execute_script(
        "return window.__rollbookOldPage !== true && document.readyState === 'complete';"))


def check_form_was_accepted(browser) -> None:
    text = main_text(browser)
    assert "The form had expired" not in text, f"the server refused the form's CSRF token on {browser.current_url}"


def check_renders(browser) -> None:
    text = main_text(browser)
    assert "Internal Server Error" not in text and "TagDeclaration" not in text, \
        f"{browser.current_url} did not render:\n{text}"


# --- signing in and out ----------------------------------------------------------------------------------------


def fill_sign_in(browser, server, email: str, password: str) -> None:
    if path_of(browser) != "/" or not browser.find_elements(By.ID, "email"):
        go(browser, server, "/")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button[type=submit]"))
    check_form_was_accepted(browser)


def is_signed_in(browser) -> bool:
    return bool(browser.find_elements(By.CSS_SELECTOR, "form.signout button"))


def signed_in_as(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "form.signout .who").text


def sign_in(browser, server, email: str) -> None:
    """Signs in with the demo password and checks that it worked (Today, with the user's name in the header)."""
    go(browser, server, "/")
    fill_sign_in(browser, server, email, PASSWORD)
    if not is_signed_in(browser):
        pytest.fail(f"signing in as {email} did not work; the page at {browser.current_url} says:\n{main_text(browser)}")


def sign_out(browser) -> None:
    submit_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.signout button"))
    check_form_was_accepted(browser)


def switch_user(browser, server, email: str) -> None:
    go(browser, server, "/today")  # an error page has no header, so look at a page that has one
    if is_signed_in(browser):
        sign_out(browser)
    sign_in(browser, server, email)


# --- pages -----------------------------------------------------------------------------------------------------


def today_rows(browser) -> dict[str, dict]:
    """Today's "Registers this session" table: form -> its cells and link."""
    rows = {}
    for tr in browser.find_elements(By.XPATH, "//h2[normalize-space()='Registers this session']/following-sibling::table//tbody/tr"):
        cells = tr.find_elements(By.TAG_NAME, "td")
        link = cells[0].find_element(By.TAG_NAME, "a")
        rows[cells[0].text] = {"href": link.get_attribute("href"), "state": cells[1].text, "marked": cells[2].text,
                               "present": cells[3].text, "late": cells[4].text, "absent": cells[5].text}
    return rows


def figures(browser) -> dict[str, str]:
    """Today's figures: the words after each number -> the number, e.g. {"present on time": "27", ...}."""
    out = {}
    for f in browser.find_elements(By.CSS_SELECTOR, "#main .figures .figure"):
        n = f.find_element(By.CSS_SELECTOR, ".n").text
        out[f.text[len(n):].strip()] = n
    return out


def register_lines(browser):
    return browser.find_elements(By.CSS_SELECTOR, "form#register li.pupil")


def upn_of(li) -> str:
    return li.find_element(By.CSS_SELECTOR, ".who a").get_attribute("href").rsplit("/", 1)[-1]


def name_of(li) -> str:
    return li.find_element(By.CSS_SELECTOR, ".who a").text


def line_for(browser, upn: str):
    for li in register_lines(browser):
        if li.find_elements(By.CSS_SELECTOR, f"a[href='/pupils/{upn}']"):
            return li
    raise NoSuchElementException(f"no register line for {upn} on {browser.current_url}")


def current_mark(browser, upn: str) -> str:
    return line_for(browser, upn).find_element(By.CSS_SELECTOR, ".current").text


def set_time(browser, field, hhmm: str) -> None:
    """Types a time into an <input type=time> as a person would; falls back to setting it if the browser's
    locale makes the typed digits land differently."""
    field.click()
    field.send_keys(hhmm.replace(":", ""))
    if field.get_attribute("value") != hhmm:
        browser.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", field, hhmm)
    assert field.get_attribute("value") == hhmm, f"the time field holds {field.get_attribute('value')!r}, not {hhmm}"


def section_table_rows(browser, heading: str) -> list[list[str]]:
    """The cells of each body row of the table under the <h2> with this text (empty if the section has none)."""
    section = browser.find_element(By.XPATH, f"//h2[normalize-space()={xpath_string(heading)}]/..")
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in section.find_elements(By.CSS_SELECTOR, "tbody tr")]


def xpath_string(s: str) -> str:
    return f"'{s}'" if "'" not in s else "concat('" + "', \"'\", '".join(s.split("'")) + "')"


def check_forbidden(browser, path: str, role: str) -> None:
    """The page shown is the 403 page: status 403, <h1> Forbidden, and a sentence naming the role."""
    status = http_status(browser)
    heading = h1(browser)
    text = main_text(browser)
    assert heading == "Forbidden", f"a {role} opening {path} got the page '{heading}' (status {status}), not Forbidden:\n{text[:600]}"
    assert status in (None, 403), f"a {role} opening {path} got a Forbidden page with status {status}, not 403"
    reason = browser.find_element(By.CSS_SELECTOR, "#main h1 + p").text
    assert role in reason.lower() and len(reason.split()) >= 4, \
        f"the Forbidden page for a {role} on {path} should say in a sentence what a {role} may not do; it says {reason!r}"


def pupil_links(browser) -> list[tuple[str, str]]:
    """(name, upn) of each pupil linked from the main table."""
    out = []
    for a in browser.find_elements(By.CSS_SELECTOR, "#main table.list tbody a[href^='/pupils/']"):
        out.append((a.text, a.get_attribute("href").rsplit("/", 1)[-1]))
    return out


def minutes_between(earlier: str, later: str) -> int:
    def m(hhmm: str) -> int:
        h, mm = map(int, hhmm.split(":"))
        return h * 60 + mm
    return m(later) - m(earlier)


def strip_leading_zero(hhmm: str) -> str:
    """09:30 -> 9:30, as the pages print times."""
    return re.sub(r"^0(\d):", r"\1:", hhmm)


# --- screenshots -------------------------------------------------------------------------------------------

def screenshots_folder(create: bool = True) -> Path:
    """E2E_SCREENSHOTS, else <repo>/artifacts/screenshots (a relative path is taken from the repo's root)."""
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or REPO_ROOT / "artifacts" / "screenshots")
    if not folder.is_absolute():
        folder = REPO_ROOT / folder
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(driver, page: str) -> Path:
    """Saves the whole page (not just the viewport) as <page>-<phone|desktop>.png in the screenshots folder."""
    path = screenshots_folder() / f"{page}-{driver.rollbook_width}.png"
    height = driver.execute_script(
        "return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)")
    if driver.rollbook_width == "desktop":
        # Make the window as tall as the document (the window's chrome takes some height of its own), take the
        # screenshot, and put the window back.
        extra = driver.get_window_size()["height"] - driver.execute_script("return window.innerHeight")
        driver.set_window_size(DESKTOP[0], height + extra)
        try:
            driver.save_screenshot(str(path))
        finally:
            driver.set_window_size(*DESKTOP)
    else:
        # The emulated phone keeps its 844 px viewport; the browser renders beyond it for the capture.
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": PHONE[0], "height": height, "scale": 1},
        })
        path.write_bytes(base64.b64decode(shot["data"]))
    return path


# --- without a browser -----------------------------------------------------------------------------------------

class HttpUser:
    """A signed-in staff member over plain HTTP (cookies and CSRF token kept), to set up data quickly."""

    def __init__(self, server, email: str):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.post("/", "/sign-in", {"email": email, "password": PASSWORD, "next": "/today"})
        assert 'class="signout"' in self.get("/today"), f"{email} could not sign in over HTTP"

    def get(self, path: str) -> str:
        with self.opener.open(self.server.url(path), timeout=30) as r:
            return r.read().decode()

    def post(self, page: str, action: str, fields: dict[str, str]) -> tuple[int, str]:
        """Posts a form as if from `page` (whose CSRF token it sends); returns the status and the page it ends on."""
        token = re.search(r'name="csrf" value="([^"]+)"', self.get(page)).group(1)
        body = urllib.parse.urlencode({"csrf": token, **fields}).encode()
        try:
            with self.opener.open(self.server.url(action), data=body, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


# --- reliability tests (test_crash, test_fuzz, test_backup): servers of their own ---------------------------------

DEMO_NOW = f"{TODAY}T08:46"  # the same school morning as the browser suite's server


def rollbook_binary() -> Path:
    """ROLLBOOK_BIN, else .build/debug/rollbook in the repo root."""
    binary = Path(os.environ.get("ROLLBOOK_BIN", REPO_ROOT / ".build" / "debug" / "rollbook"))
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.exists():
        pytest.fail(f"no server binary at {binary}: run `swift build` first or set ROLLBOOK_BIN")
    return binary


def free_port() -> int:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RollbookProcess:
    """`rollbook serve --demo` on one database (an SQLite file, or PostgreSQL through DATABASE_URL) and port, which
    can be killed and started again on the same database; `cli` runs other commands on that database."""

    def __init__(self, workdir: Path, sqlite: Path | None = None, postgres_url: str | None = None):
        assert (sqlite is None) != (postgres_url is None)
        self.workdir = workdir
        self.sqlite = sqlite
        self.postgres_url = postgres_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_path = workdir / "server.log"
        self.starts = 0

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def database_args(self) -> list[str]:
        return ["--database", str(self.sqlite)] if self.sqlite else []

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("ROLLBOOK_DATABASE", "DATABASE_URL")}
        if self.postgres_url:
            env["DATABASE_URL"] = self.postgres_url
        return env

    def start(self) -> None:
        import subprocess
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"\n=== start {self.starts} ===\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [str(rollbook_binary()), "serve", "--demo", "--port", str(self.port), "--bcrypt-cost", "4", "--now", DEMO_NOW,
             *self.database_args],
            cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def wait_ready(self, timeout: float = 180) -> None:
        import time
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode} before answering:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/api/openapi.json", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        import signal
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        import signal
        import subprocess
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def cli(self, *args: str, check: bool = True, env: dict[str, str] | None = None):
        import subprocess
        r = subprocess.run([str(rollbook_binary()), *args], cwd=self.workdir, env=env or self.env,
                           capture_output=True, text=True, timeout=300)
        if check and r.returncode != 0:
            pytest.fail(f"rollbook {' '.join(args)} exited with {r.returncode}:\n{r.stderr[-3000:]}")
        return r

    def token(self, email: str) -> str:
        return self.cli("token", "create", "--email", email, *self.database_args).stdout.strip()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def api_call(base_url: str, token: str, method: str, path: str, body=None, timeout: float = 60):
    """(status, parsed JSON or None) of one API request; HTTP errors are returned, connection errors raised."""
    import json
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None


class PostgresDatabase:
    """A database of its own inside ROLLBOOK_TEST_POSTGRES_URL's server, dropped afterwards (a context manager)."""

    def __init__(self, prefix: str):
        import secrets
        self.admin_url = os.environ["ROLLBOOK_TEST_POSTGRES_URL"]
        self.name = f"{prefix}_{secrets.token_hex(4)}"
        parsed = urlparse(self.admin_url)
        self.url = parsed._replace(path="/" + self.name).geturl()

    def _psql(self, sql: str) -> None:
        import subprocess
        r = subprocess.run([postgres_tool("psql"), "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-d", self.admin_url, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            pytest.fail(f"psql {sql!r} failed:\n{r.stderr}")

    def create(self, name: str | None = None) -> str:
        """Creates this database (or another one named `name`, dropped with it); returns its URL."""
        self._psql(f'CREATE DATABASE "{name or self.name}"')
        self.extra = getattr(self, "extra", []) + ([name] if name else [])
        return urlparse(self.admin_url)._replace(path="/" + (name or self.name)).geturl()

    def drop(self) -> None:
        for n in [self.name, *getattr(self, "extra", [])]:
            self._psql(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')

    def __enter__(self):
        self.create()
        return self

    def __exit__(self, *exc):
        self.drop()


def postgres_tool(name: str) -> str:
    """Debian's newest /usr/lib/postgresql/N/bin/NAME, else NAME on PATH."""
    import glob
    import shutil
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    return found[0] if found else (shutil.which(name) or name)
