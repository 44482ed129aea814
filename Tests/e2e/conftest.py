"""Fixtures for Rollbook's browser tests: a real demo server and headless Chromium from Debian.

Environment:
  ROLLBOOK_BIN        the server binary (default: .build/debug/rollbook in the repo root)
  CHROMIUM_BIN        the browser (default /usr/bin/chromium)
  CHROMEDRIVER_BIN    the driver (default /usr/bin/chromedriver)
  E2E_ARTIFACTS       where a failing test leaves a screenshot and the page's HTML
                      (default: $TMPDIR/rollbook-e2e-artifacts)
Nothing is downloaded at run time: selenium is pointed at Debian's chromium and chromium-driver.
"""

from __future__ import annotations

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

REPO_ROOT = Path(__file__).resolve().parents[2]
PHONE = (390, 844)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base_url: str, process: subprocess.Popen, log_path: Path):
        self.base_url = base_url
        self.process = process
        self.log_path = log_path

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def server():
    """`rollbook serve --demo` on a free loopback port with a new SQLite file; stopped afterwards."""
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
    process = subprocess.Popen(
        [str(binary), "serve", "--demo", "--port", str(port), "--bcrypt-cost", "4", "--database", str(database)],
        cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )
    srv = Server(f"http://127.0.0.1:{port}", process, log_path)
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


def _chrome_options() -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={PHONE[0]},{PHONE[1]}", "--lang=en-GB", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-default-apps"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    # Headless Chromium keeps a window at least 500 px wide, so the phone's viewport is emulated as well. Not as a
    # "mobile" viewport: that one widens itself to fit content that is too wide, hiding sideways scrolling.
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 3.0, "mobile": False, "touch": True},
    })
    return options


@pytest.fixture
def browser(request):
    """A fresh headless Chromium at phone size for each test (so no cookies leak between tests)."""
    service = Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=_chrome_options())
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            _save_artifacts(driver, request.node.name)
        driver.quit()


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
