"""A student uses the chat simulator's page in a browser: bind with the SMS code, check the balance."""

from __future__ import annotations

import re

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from chatsim.client import ChatClient
from events.menu import MENU
from tests.e2e.browser import screenshot
from tests.e2e.chat_server import stack_chat_config
from tests.harness import Stack, new_openid

CODE = re.compile(r"验证码 (\d{6})")


def texts(driver: webdriver.Chrome, selector: str) -> list[str]:
    """The texts of the elements matching `selector`, read at once (the page re-renders as answers arrive)."""
    found = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), (e) => e.textContent)", selector)
    return [str(text) for text in found]


def incoming(driver: webdriver.Chrome) -> list[str]:
    return texts(driver, "#conversation .msg.in .bubble")


def wait_for_answer(driver: webdriver.Chrome, fragment: str, timeout: float = 20) -> str:
    """The newest incoming bubble once one contains `fragment` (pushed to the page, never reloaded)."""
    WebDriverWait(driver, timeout).until(lambda d: any(fragment in text for text in incoming(d)),
                                         f"no answer containing {fragment!r}")
    return next(text for text in reversed(incoming(driver)) if fragment in text)


def type_and_send(driver: webdriver.Chrome, text: str) -> None:
    box = driver.find_element(By.ID, "text")
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def code_in_sms_panel(driver: webdriver.Chrome, phone: str, after: int, timeout: float = 20) -> str:
    """The code in the first SMS to `phone` the panel shows past line `after` of the sink."""
    def find(d: webdriver.Chrome) -> str | None:
        lines = d.execute_script("return Array.from(document.querySelectorAll('#sms li.sms'),"
                                 " (e) => [e.dataset.phone, Number(e.dataset.n), e.textContent])")
        for shown_phone, n, text in lines:
            if shown_phone == phone and n > after and (match := CODE.search(text)):
                return match.group(1)
        return None

    return str(WebDriverWait(driver, timeout).until(find, f"no SMS to {phone} in the panel"))


def test_a_student_binds_and_checks_the_balance_through_the_page(live: Stack, chat: str,
                                                                  browser: webdriver.Chrome) -> None:
    # A new follower: the page makes one up and follows the account, as a phone would.
    browser.get(f"{chat}/")
    assert "校园一卡通" in browser.find_element(By.CSS_SELECTOR, ".titlebar").text
    welcome = wait_for_answer(browser, "欢迎关注")
    openid = browser.find_element(By.ID, "openid").text
    assert openid.startswith("sim_") and f"openid={openid}" in browser.current_url
    assert "欢迎关注" in live.sent_to(openid)[0]["content"] == welcome
    screenshot(browser, "chat-1-new-follower-welcomed")

    sink_lines = len(ChatClient(stack_chat_config(live)).sms())
    type_and_send(browser, "绑定 20240001")
    assert wait_for_answer(browser, "验证码已发送").startswith("验证码已发送至 138****0001")
    code = code_in_sms_panel(browser, "13800000001", sink_lines)
    screenshot(browser, "chat-2-code-in-the-sms-panel")

    type_and_send(browser, code)
    assert "张三" in wait_for_answer(browser, "绑定成功")
    # 余额 sits under the 校园卡 button of the account's menu: open it, then press 余额.
    top = WebDriverWait(browser, 10).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "#menu > .menu-item > .menu-button")
                   if b.text.endswith("校园卡")], "no 校园卡 menu button")[0]
    top.click()
    WebDriverWait(browser, 10).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "#menu button[data-key='BALANCE']")
                   if b.is_displayed()], "no 余额 sub-button")[0].click()
    balance = wait_for_answer(browser, "余额为")
    assert re.match(r"张三，您的校园卡余额为 \d+\.\d\d 元", balance), balance
    assert texts(browser, "#conversation .msg.out .bubble") == ["绑定 20240001", code]
    assert "点击菜单「余额」" in browser.find_element(By.ID, "conversation").text
    assert browser.find_element(By.ID, "wire").text.count("200 success") >= 4
    screenshot(browser, "chat-3-bound-and-balance")


def test_two_followers_in_two_tabs_each_see_only_their_own_answers(chat: str, browser: webdriver.Chrome) -> None:
    browser.get(f"{chat}/")
    first = browser.find_element(By.ID, "openid").text
    wait_for_answer(browser, "欢迎关注")
    first_tab = browser.current_window_handle

    second = new_openid("sim_")
    browser.switch_to.new_window("tab")
    browser.get(f"{chat}/?openid={second}")  # a follower given by openid: nothing is sent for it yet
    assert browser.find_element(By.ID, "openid").text == second
    browser.find_element(By.ID, "follow").click()
    wait_for_answer(browser, "欢迎关注")
    type_and_send(browser, "余额")
    assert "还未绑定" in wait_for_answer(browser, "还未绑定")
    followers = browser.find_element(By.ID, "followers").text
    assert first in followers and second in followers
    screenshot(browser, "chat-4-second-follower-in-a-second-tab")

    browser.switch_to.window(first_tab)
    type_and_send(browser, "帮助")
    wait_for_answer(browser, "可用功能")
    assert not any("还未绑定" in text for text in incoming(browser))
    browser.switch_to.window(browser.window_handles[-1])
    browser.close()
    browser.switch_to.window(first_tab)


def test_the_page_shows_the_menu_pushed_to_wechat_with_its_sub_buttons(live: Stack, chat: str,
                                                                       browser: webdriver.Chrome) -> None:
    live.platform.wechat.create_menu({"button": [
        {"type": "click", "name": "查余额", "key": "BALANCE"},
        {"name": "更多", "sub_button": [{"type": "click", "name": "使用帮助", "key": "HELP"},
                                        {"type": "click", "name": "解除绑定", "key": "UNBIND"}]},
    ]})
    try:
        browser.get(f"{chat}/")
        wait_for_answer(browser, "欢迎关注")
        tops = WebDriverWait(browser, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#menu > .menu-item > .menu-button"), "no menu")
        assert [b.text for b in tops] == ["查余额", "≡ 更多"]
        tops[1].click()
        sub = browser.find_element(By.CSS_SELECTOR, "#menu .submenu button[data-key='HELP']")
        assert sub.is_displayed() and sub.text == "使用帮助"
        screenshot(browser, "chat-5-pushed-menu-with-sub-buttons")
        before = len([t for t in incoming(browser) if "可用功能" in t])
        sub.click()
        WebDriverWait(browser, 20).until(lambda d: len([t for t in incoming(d) if "可用功能" in t]) > before)
        assert not browser.find_element(By.CSS_SELECTOR, "#menu .submenu").is_displayed()
    finally:
        live.simulators.wechat.state.menu = None


def test_the_fee_picker_is_two_taps_away_in_the_real_menu(chat: str, browser: webdriver.Chrome) -> None:
    browser.get(f"{chat}/")
    wait_for_answer(browser, "欢迎关注")
    tops = WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#menu > .menu-item > .menu-button"), "no menu")
    assert [b.text.removeprefix("≡ ") for b in tops] == [name for name, _items in MENU]
    next(b for b in tops if b.text.endswith("我的")).click()
    WebDriverWait(browser, 10).until(
        lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, "#menu button[data-key='MENU_FEES']")
                   if b.is_displayed()], "no 缴费 sub-button")[0].click()
    picker = wait_for_answer(browser, "缴费，请发送")
    assert all(fee in picker for fee in ("网费", "电费", "图像采集费", "图书欠费", "外语考试费", "校友捐赠"))
    screenshot(browser, "chat-6-fee-picker-from-the-menu")
