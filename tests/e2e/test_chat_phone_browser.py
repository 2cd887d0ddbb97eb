"""The chat simulator on a phone and in Chinese: the conversation fills a 390 px screen, the
developer panels fold behind a button, the newest SMS code shows as a toast, and a sub-menu opens
above its own button."""

from __future__ import annotations

import re

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.browser import screenshot
from tests.e2e.test_chat_browser import type_and_send, wait_for_answer
from tests.harness import Stack

CJK = re.compile(r"[\u4e00-\u9fff]")


def rect(driver: webdriver.Chrome, selector: str) -> dict[str, float]:
    found = driver.execute_script("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                                  "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,"
                                  " width: r.width, height: r.height}", selector)
    return {k: float(v) for k, v in found.items()}


def viewport(driver: webdriver.Chrome) -> tuple[int, int]:
    width, height = driver.execute_script("return [innerWidth, innerHeight]")
    return int(width), int(height)


def test_the_chrome_is_chinese_with_english_only_as_a_gloss(chat: str, browser: webdriver.Chrome) -> None:
    browser.set_window_size(1366, 900)
    browser.get(f"{chat}/")
    wait_for_answer(browser, "欢迎关注")
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('h1, h2, h3, button, a, label, .badge'),"
        " (e) => e.textContent.trim()).filter((t) => t && !t.startsWith('sim_'))")
    english_only = [t for t in labels if not CJK.search(t) and re.search(r"[A-Za-z]{3}", t)]
    assert english_only == [], english_only
    assert "关注者" in browser.find_element(By.ID, "follower-panel").text
    assert browser.find_element(By.ID, "sink-panel").is_displayed()  # wide: every panel beside the phone
    assert not browser.find_element(By.ID, "dev-toggle").is_displayed()
    screenshot(browser, "chat-phone-1-desktop-1366")


def test_at_phone_width_the_conversation_fills_the_screen_and_panels_fold(chat: str,
                                                                         browser: webdriver.Chrome) -> None:
    browser.set_window_size(390, 844)
    browser.get(f"{chat}/")
    wait_for_answer(browser, "欢迎关注")
    width, height = viewport(browser)
    screen = rect(browser, ".screen")
    assert (screen["left"], screen["top"]) == (0, 0)
    assert abs(screen["width"] - width) <= 1 and abs(screen["height"] - height) <= 1, (screen, width, height)
    assert not browser.find_element(By.ID, "follower-panel").is_displayed()
    assert not browser.find_element(By.ID, "sink-panel").is_displayed()
    screenshot(browser, "chat-phone-2-conversation-390")

    browser.find_element(By.ID, "dev-toggle").click()
    assert browser.find_element(By.ID, "sink-panel").is_displayed()
    assert not browser.find_element(By.CSS_SELECTOR, ".phone").is_displayed()
    screenshot(browser, "chat-phone-3-developer-panels-390")
    browser.find_element(By.ID, "dev-close").click()
    assert browser.find_element(By.ID, "conversation").is_displayed()


def test_the_newest_sms_code_appears_as_a_toast(live: Stack, chat: str, browser: webdriver.Chrome) -> None:
    browser.set_window_size(390, 844)
    browser.get(f"{chat}/")
    wait_for_answer(browser, "欢迎关注")
    toast = browser.find_element(By.ID, "sms-toast")
    WebDriverWait(browser, 5).until(lambda d: d.execute_script("return document.body.classList.contains('connected')"))
    assert not toast.is_displayed()  # the sink's older codes are no news
    browser.execute_script("return new Promise((r) => setTimeout(r, 1600))")
    type_and_send(browser, "绑定 20240002")
    wait_for_answer(browser, "验证码已发送")
    WebDriverWait(browser, 20).until(lambda d: toast.is_displayed(), "no toast")
    code = toast.get_attribute("data-code")
    assert code and code in live.sms_to("13800000002")[-1]
    assert code in toast.text and "短信验证码" in toast.text
    screenshot(browser, "chat-phone-4-sms-code-toast-390")
    toast.click()
    assert not toast.is_displayed()


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_a_sub_menu_opens_above_its_own_button(chat: str, browser: webdriver.Chrome, size: tuple[int, int]) -> None:
    browser.set_window_size(*size)
    browser.get(f"{chat}/")
    wait_for_answer(browser, "欢迎关注")
    tops = WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#menu > .menu-item > .menu-button"), "no menu")
    screen = rect(browser, ".screen")
    for index, top in enumerate(tops):
        top.click()
        open_menus = browser.find_elements(By.CSS_SELECTOR, "#menu .submenu.open")
        assert len(open_menus) == 1  # opening one closes the others
        button = rect(browser, f"#menu > .menu-item:nth-child({index + 1}) > .menu-button")
        menu = rect(browser, f"#menu > .menu-item:nth-child({index + 1}) > .submenu")
        centre = button["left"] + button["width"] / 2
        assert menu["bottom"] <= button["top"], (menu, button)
        assert menu["left"] <= centre <= menu["right"], (menu, button)
        assert screen["left"] <= menu["left"] and menu["right"] <= screen["right"], (menu, screen)
        if index == len(tops) - 1:
            screenshot(browser, f"chat-phone-5-submenu-{size[0]}")
    browser.find_element(By.ID, "conversation").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#menu .submenu.open") == []
