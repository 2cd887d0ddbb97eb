"""Security the operator sees in the browser: a password someone else chose is changed at first
sign-in, the change is confirmed from the message catalogue, and a message typed into the URL is
not shown. Screenshots at 1366 px and 390 px."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from backoffice.accounts import create_operator
from tests.e2e.backoffice_browser import SCREENSHOTS, wait_for
from tests.harness import Stack

pytestmark = pytest.mark.e2e

FIRST, OWN = "a password the boss chose", "the clerk's own phrase 42"


def both_widths(driver: webdriver.Chrome, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 900), (390, 844)):
        driver.set_window_size(width, height)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
    driver.set_window_size(1366, 900)


def test_a_new_operator_chooses_their_own_password_first(live: Stack, browser: webdriver.Chrome) -> None:
    with live.platform.uow() as uow:
        name = create_operator(uow.session, "新同事-浏览器", FIRST, "operator", "boss",
                               must_change_password=True).username
        uow.commit()
    browser.get(f"{live.ingress_url}/admin/login")
    browser.delete_all_cookies()
    browser.get(f"{live.ingress_url}/admin/features")
    wait_for(browser, "#username").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(FIRST)
    browser.find_element(By.ID, "sign-in").click()
    wait_for(browser, "#must-change")
    assert browser.current_url.endswith("/admin/account/password")
    both_widths(browser, "security-1-first-sign-in-password")

    browser.find_element(By.ID, "current").send_keys(FIRST)
    browser.find_element(By.ID, "new").send_keys("password123")
    browser.find_element(By.ID, "repeat").send_keys("password123")
    browser.find_element(By.ID, "change-password").click()
    assert "太常见" in wait_for(browser, ".flash.err").text
    both_widths(browser, "security-2-common-password-refused")

    browser.find_element(By.ID, "current").send_keys(FIRST)
    browser.find_element(By.ID, "new").send_keys(OWN)
    browser.find_element(By.ID, "repeat").send_keys(OWN)
    browser.find_element(By.ID, "change-password").click()
    assert wait_for(browser, ".flash.ok").text == "密码已修改"
    browser.get(f"{live.ingress_url}/admin/features")
    assert browser.find_element(By.ID, "my-password").text == "修改密码"


def test_text_put_in_the_url_never_reaches_the_alert_box(live: Stack, browser: webdriver.Chrome) -> None:
    browser.get(f"{live.ingress_url}/admin/features?err=您的账号存在风险，请联系 qq 10000")
    wait_for(browser, "#whoami")
    assert browser.find_elements(By.CSS_SELECTOR, ".flash") == []
    browser.get(f"{live.ingress_url}/admin/features?ok=feature_off&feature=balance")
    assert wait_for(browser, ".flash.ok").text == "余额查询 已关闭"
    both_widths(browser, "security-3-flash-from-the-catalogue")
