"""Headless Chromium (Debian's package) driven by Selenium, and the screenshots a person can look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import SCREENSHOTS
from tests.harness import Stack
from tests.integration.backoffice.client import PASSWORD, make_operator


@pytest.fixture(scope="module")
def boss(live: Stack, browser: webdriver.Chrome) -> str:
    """A super-admin signed in through the form."""
    username = make_operator(live, "super-admin")
    sign_in(browser, live.ingress_url, username)
    return username


def sign_in(driver: webdriver.Chrome, base_url: str, username: str) -> None:
    driver.get(f"{base_url}/admin/login")
    driver.delete_all_cookies()  # cookies do not tell ports apart: start from a signed-out browser
    driver.get(f"{base_url}/admin/features")  # redirected to the sign-in form, then back here
    wait_for(driver, "#username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, "#whoami")
    assert driver.current_url.endswith("/admin/features")


def shoot(driver: webdriver.Chrome, name: str, *, phone: bool = False) -> Path:
    """Save the page as test-output/screenshots/<name>.png (a phone-sized one too when asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
    driver.set_window_size(1366, min(int(height) + 120, 2400))
    driver.save_screenshot(str(path))
    if phone:
        driver.set_window_size(390, 844)
        WebDriverWait(driver, 5).until(lambda d: d.execute_script(
            "const e = document.documentElement; return e.scrollWidth <= e.clientWidth"), f"{name} scrolls sideways")
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-phone.png"))
    driver.set_window_size(1366, 900)
    return path


def confirm(driver: webdriver.Chrome, expect: str) -> str:
    """Accept the confirmation a dangerous action asks for, after checking it says what it is about."""
    alert = WebDriverWait(driver, 5).until(ec.alert_is_present())
    text = alert.text
    assert expect in text, text
    alert.accept()
    return str(text)


def wait_for(driver: WebDriver, css: str, timeout: float = 15.0) -> WebElement:
    """The first element matching css, once the page has it."""
    found: WebElement = WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    return found


def click_to_next_page(driver: webdriver.Chrome, by: str, value: str, timeout: float = 15.0) -> None:
    """Click what loads a new page (a form's button, a sorting link), and wait until the new page
    has loaded: an element the new page shares with the old one (a row a filter keeps, a flash, a
    status) is otherwise found on the old page, and goes stale or reads old under the test's hands.
    The old page is told apart by a mark on its window; Chromium may answer mid-navigation with an
    error instead, which only means "not yet"."""
    driver.execute_script("window.__leaving = true")
    driver.find_element(by, value).click()
    WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.__leaving && document.readyState === 'complete'"))
