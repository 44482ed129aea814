"""Evacuation roll call (issue 17, seed 004) in real browsers: two phones tick the same roll call to 0 unaccounted.

A server of its own (the demo school at 8:46), form RH registered present through the API, so those pupils are on
site. The office starts the roll call from "On site now" on one phone; the attendance lead opens it on another; each
ticks half the pupils and each phone sees the other's ticks (the page polls) until none is unaccounted for. axe-core
checks the on-site page, the roll call (live and printable) and the list of roll calls at phone width.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By

from conftest import _chrome_options
from helpers import LEAD, OFFICE, TODAY, RollbookProcess, api_call, fill_sign_in, h1, wait
from test_accessibility import FAILING_IMPACTS, axe_violations, describe


@pytest.fixture(scope="module")
def school():
    with tempfile.TemporaryDirectory(prefix="rollbook-rollcall-") as tmp:
        workdir = Path(tmp)
        process = RollbookProcess(workdir, sqlite=workdir / "school.sqlite")
        process.start()
        try:
            process.wait_ready()
            token = process.token(OFFICE)
            status, register = api_call(process.base_url, token, "GET", f"/api/v1/registers/{TODAY}/AM?form=RH")
            assert status == 200, register
            upns = [p["upn"] for p in register["pupils"]]
            status, body = api_call(process.base_url, token, "POST", f"/api/v1/registers/{TODAY}/AM",
                                    {"form": "RH", "marks": [{"upn": u, "code": "/"} for u in upns]})
            assert status == 200, body
            yield process, token, upns
        finally:
            process.stop()


def _phone():
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")),
                              options=_chrome_options(phone=True))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def _axe(driver, page: str) -> None:
    _, violations = axe_violations(driver)
    failing = [describe(page, v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, "\n".join(failing)


def _tick(phone, upn: str) -> None:
    """Taps "Here" for a pupil until they leave the phone's unaccounted list (the list is redrawn as ticks arrive, so a
    button found may be gone before it is tapped; tapping twice is harmless)."""
    css = f"#rc-unaccounted li[data-upn='{upn}'] button"

    def ticked(d) -> bool:
        try:
            d.find_element(By.CSS_SELECTOR, css).click()
        except NoSuchElementException:
            return True
        except StaleElementReferenceException:
            pass
        return False

    wait(phone).until(ticked)


def _unaccounted(driver) -> int:
    return int(driver.find_element(By.ID, "rc-unaccounted-count").text)


def test_two_phones_tick_the_same_roll_call_to_none_unaccounted(school):
    server, token, upns = school
    status, on_site = api_call(server.base_url, token, "GET", "/api/v1/on-site")
    assert status == 200 and on_site["total"] >= len(upns) > 1, on_site
    first, second = _phone(), _phone()
    try:
        fill_sign_in(first, server, OFFICE, "rollbook-demo")
        fill_sign_in(second, server, LEAD, "rollbook-demo")
        first.get(server.url("/on-site"))
        assert h1(first).startswith("On site now")
        assert "visitors and staff are not included" in first.page_source
        _axe(first, "/on-site")
        first.find_element(By.XPATH, "//button[normalize-space()='Start evacuation roll call']").click()
        wait(first).until(lambda d: "/roll-calls/" in d.current_url)
        path = first.current_url.removeprefix(server.base_url)
        total = _unaccounted(first)
        assert total == on_site["total"]
        second.get(server.url(path))
        _axe(second, "roll call")

        # Each phone ticks half the pupils; the other's ticks arrive by polling.
        for i, upn in enumerate(upns):
            _tick(first if i % 2 == 0 else second, upn)
        others = total - len(upns)
        for phone in (first, second):
            wait(phone, 30).until(lambda d: _unaccounted(d) == others and "Up to date" in d.find_element(By.ID, "rc-sync").text)
        status, state = api_call(server.base_url, token, "GET", f"/api/v1{path}")
        assert status == 200 and state["accounted"] == len(upns) and len(state["unaccounted"]) == others

        # The rest of the school on site (if any) is ticked on the second phone, to none left.
        rest = second.execute_script("return [...document.querySelectorAll('#rc-unaccounted li')].map(li => li.dataset.upn)")
        for upn in rest:
            _tick(second, upn)
        wait(second, 30).until(lambda d: _unaccounted(d) == 0 and "Up to date" in d.find_element(By.ID, "rc-sync").text)
        wait(first, 30).until(lambda d: _unaccounted(d) == 0)

        first.get(server.url(path + "?print=1"))
        assert "☑" in first.page_source and "☐" not in first.page_source
        _axe(first, "printable roll call")
        first.get(server.url(path))
        first.find_element(By.XPATH, "//button[normalize-space()='Close the roll call']").click()
        wait(first).until(lambda d: "Roll call closed" in d.page_source)
        first.get(server.url("/roll-calls"))
        assert f"{total} of {total} accounted for" in first.page_source
        _axe(first, "/roll-calls")
    finally:
        first.quit()
        second.quit()
