"""The chat simulator's web view: the menu's 我的校园卡 and a link in an answer open the page beside
the conversation, through the simulated WeChat authorization, and the page closes itself through
WeixinJSBridge as it would in WeChat.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from adapters.cardsystem.demo import DemoHolder
from tests.e2e.browser import chromium, screenshot
from tests.e2e.test_chat_browser import type_and_send, wait_for_answer
from tests.harness import Stack, new_openid

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(window=(1760, 960)) as driver:
        yield driver


def in_web_view(driver: webdriver.Chrome, css: str) -> str:
    """The text of `css` inside the web view's page, once it is there (after the authorization trip)."""
    driver.switch_to.default_content()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "webview").is_displayed())
    driver.switch_to.frame("webview-frame")
    try:
        return str(WebDriverWait(driver, 15).until(lambda d: d.find_element(By.CSS_SELECTOR, css)).text)
    finally:
        driver.switch_to.default_content()


def test_the_menu_and_a_link_open_pages_in_the_web_view(live: Stack, chat: str, browser: webdriver.Chrome) -> None:
    openid = new_openid("sim_")
    live.simulators.card.add_holder(DemoHolder("W1800001", "周八", "13718000001", "6100718001", 12345))
    live.bind(openid, "W1800001", "13718000001")
    browser.get(f"{chat}/?openid={openid}")
    WebDriverWait(browser, 10).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "#menu > .menu-item > .menu-button")
                   if b.text.endswith("校园卡")])[0].click()
    WebDriverWait(browser, 10).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "#menu .sub") if b.text == "我的校园卡"
                   and b.is_displayed()])[0].click()
    assert in_web_view(browser, "#balance") == "123.45"
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.ID, "webview-title").text == "我的校园卡")
    assert "/m/card" in browser.find_element(By.ID, "webview-url").text
    # The trip through WeChat is shown step by step: silent authorization, the code traded, the page.
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#webview-trip li")) >= 4)
    trip = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#webview-trip li")]
    assert trip[0] == "打开 /m/card" and "snsapi_base" in trip[1] and f"换得 openid {openid}" in trip[2]
    assert trip[-1] == "显示 /m/card"
    screenshot(browser, "chat-webview-1-card-from-the-menu")

    # 挂失 explains what to send; 回到对话 closes the page through WeixinJSBridge.closeWindow.
    browser.switch_to.frame("webview-frame")
    browser.find_element(By.CSS_SELECTOR, "[data-say='挂失']").click()
    browser.find_element(By.CSS_SELECTOR, "#say-hint [data-close]").click()
    browser.switch_to.default_content()
    WebDriverWait(browser, 5).until(lambda d: not d.find_element(By.ID, "webview").is_displayed())

    type_and_send(browser, "账单 上月")
    wait_for_answer(browser, "看图表账单")
    links = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg.in a.msg-link")
    assert links and links[-1].text == "📊 看图表账单"
    links[-1].click()
    assert "没有消费记录" in in_web_view(browser, "#empty")  # a new card: an empty month, said so
    screenshot(browser, "chat-webview-2-bill-from-a-link")
