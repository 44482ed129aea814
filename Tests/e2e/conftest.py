"""Fixtures for Rollbook's browser tests: a real demo server on a fixed clock and headless Chromium from Debian.

The server is `rollbook serve --demo --now 2026-11-25T08:46`: a Wednesday in term in the demo calendar, one minute
after the primary demo's AM registers open (8:45; late after 8:55; closes 9:15; PM opens 13:00, closes 13:15). The
clock then runs on in real time, so the AM registers stay open for 29 real minutes after the server starts; the
whole browser suite takes well under that.

Environment:
  ROLLBOOK_BIN        the server binary (default: .build/debug/rollbook in the repo root)
  CHROMIUM_BIN        the browser (default /usr/bin/chromium)
  CHROMEDRIVER_BIN    the driver (default /usr/bin/chromedriver)
  E2E_ARTIFACTS       where a failing test leaves a screenshot and the page's HTML
                      (default: $TMPDIR/rollbook-e2e-artifacts)
  E2E_SCREENSHOTS     where the tests save screenshots of the Today, register and pupil pages at phone and desktop
                      widths, e.g. today-phone.png, register-desktop.png (default: <repo>/artifacts/screenshots)
Nothing is downloaded at run time: selenium is pointed at Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from helpers import ACCESSIBILITY_NOTES, ACCESSIBILITY_RUNS, DESKTOP, PHONE, REPO_ROOT, screenshots_folder

# The school-local moment the server's clock starts at (see the module's docstring).
START = dt.datetime(2026, 11, 25, 8, 46)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base_url: str, process: subprocess.Popen, log_path: Path, started: float):
        self.base_url = base_url
        self.process = process
        self.log_path = log_path
        self.started = started  # time.monotonic() when the process was started, i.e. when its clock read START

    def url(self, path: str) -> str:
        return self.base_url + path

    def now(self) -> dt.datetime:
        """The server's school-local time now (a little later than the server itself thinks, never earlier)."""
        return START + dt.timedelta(seconds=time.monotonic() - self.started)

    def require_before(self, hhmm: str, why: str) -> None:
        """Fails the test, saying why, when the server's clock has already passed HH:MM today."""
        h, m = map(int, hhmm.split(":"))
        limit = START.replace(hour=h, minute=m)
        if self.now() >= limit:
            pytest.fail(f"the server's clock reads {self.now():%H:%M} (started at {START:%H:%M}), past {hhmm}: {why}. "
                        "The browser suite must run within the AM register's window; start a fresh server.")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def server():
    """`rollbook serve --demo --now 2026-11-25T08:46` on a free loopback port with a new SQLite file; stopped
    afterwards."""
    binary = Path(os.environ.get("ROLLBOOK_BIN", REPO_ROOT / ".build" / "debug" / "rollbook"))
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.exists():
        pytest.fail(f"no server binary at {binary}: run `swift build` first or set ROLLBOOK_BIN")
    workdir = Path(tempfile.mkdtemp(prefix="rollbook-e2e-"))
    database = workdir / "e2e.sqlite"
    log_path = workdir / "server.log"
    port = _free_port()
    log = open(log_path, "wb")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(binary), "serve", "--demo", "--port", str(port), "--bcrypt-cost", "4", "--database", str(database),
         "--now", START.strftime("%Y-%m-%dT%H:%M")],
        cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )
    srv = Server(f"http://127.0.0.1:{port}", process, log_path, started)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode} before answering:\n{srv.log_tail()}")
            try:
                with urllib.request.urlopen(srv.url("/"), timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 120 s:\n{srv.log_tail()}")
            time.sleep(0.2)
        yield srv
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def _chrome_options(phone: bool) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    width, height = PHONE if phone else DESKTOP
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars",
                f"--window-size={width},{height}", "--lang=en-GB", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-default-apps"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    if phone:
        # Headless Chromium keeps a window at least 500 px wide, so the phone's viewport is emulated as well. Not as
        # a "mobile" viewport: that one widens itself to fit content that is too wide, hiding sideways scrolling.
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0, "mobile": False, "touch": True},
        })
    return options


def _driver(request, phone: bool):
    service = Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=_chrome_options(phone))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    driver.rollbook_width = "phone" if phone else "desktop"
    try:
        yield driver
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            name = request.node.name
            _save_artifacts(driver, name if driver.rollbook_width in name else f"{name}-{driver.rollbook_width}")
        driver.quit()


@pytest.fixture
def browser(request):
    """A fresh headless Chromium with a 390 px phone viewport for each test (so no cookies leak between tests)."""
    yield from _driver(request, phone=True)


@pytest.fixture
def desktop(request):
    """A fresh headless Chromium with a 1280x900 window, no mobile emulation: the office's laptop."""
    yield from _driver(request, phone=False)


@pytest.fixture(params=["phone", "desktop"])
def any_browser(request):
    """Each test that takes it runs twice: on the phone and on the desktop."""
    yield from _driver(request, phone=request.param == "phone")


def _save_artifacts(driver, name: str) -> None:
    folder = Path(os.environ.get("E2E_ARTIFACTS", Path(tempfile.gettempdir()) / "rollbook-e2e-artifacts"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        driver.save_screenshot(str(folder / f"{safe}.png"))
        (folder / f"{safe}.html").write_text(f"<!-- {driver.current_url} -->\n" + driver.page_source)
        print(f"\nscreenshot and page of the failure: {folder / safe}.png / .html")
    except Exception as e:  # the artifacts are a help, never a second failure
        print(f"\n(could not save artifacts: {e})")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if ACCESSIBILITY_RUNS:
        terminalreporter.section("accessibility (axe-core): minor and moderate findings, not failures")
        for line in ACCESSIBILITY_RUNS:
            terminalreporter.write_line(line)
        for note in ACCESSIBILITY_NOTES or ["(no minor or moderate findings)"]:
            terminalreporter.write_line(note)
    folder = screenshots_folder(create=False)
    shots = sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []
    if shots:
        terminalreporter.section("screenshots")
        terminalreporter.write_line(f"{folder}: {', '.join(shots)}")


# The reliability tests (test_backup, test_crash, test_fuzz) start servers of their own and take a few minutes: they
# run after the browser tests, so the shared demo server's AM register window is not spent waiting for them.
RELIABILITY_MODULES = ("test_backup.py", "test_crash.py", "test_fuzz.py")


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.path.name in RELIABILITY_MODULES)  # stable: each group keeps its order
