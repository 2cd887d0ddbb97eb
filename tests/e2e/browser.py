"""Headless Chromium for the browser tests, and screenshots for a person to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.harness import OUTPUT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = OUTPUT / "screenshots"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--lang=zh-CN")


@contextmanager
def chromium(window: tuple[int, int] = (1360, 960)) -> Iterator[webdriver.Chrome]:
    """Debian's Chromium; skipped only where it is absent and ONECARD_REQUIRE_BROWSER is unset (CI sets it)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("ONECARD_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are required (ONECARD_REQUIRE_BROWSER is set)")
        pytest.skip("Chromium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--window-size={window[0]},{window[1]}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    return path
