"""A student tops up with WeChat Pay in Chromium at 390 px, in the chat simulator: 我的校园卡 opens in
the web view → 充值 → WeChat Pay's sheet over the web view → the receipt in the chat (a worker's relay
credits the card after the simulator's signed notification)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from adapters.cardsystem.demo import DemoHolder
from store.tables import Binding, Follower
from tests.e2e.browser import chromium, screenshot
from tests.e2e.test_chat_browser import wait_for_answer
from tests.harness import Stack, new_openid


@pytest.fixture(scope="module")
def phone() -> Iterator[webdriver.Chrome]:
    with chromium(window=(390, 844)) as driver:
        yield driver


def _student(live: Stack, fen: int = 1_000) -> tuple[str, str]:
    openid, student_no = new_openid("sim_"), f"2025{uuid.uuid4().int % 10**6:06d}"  # the simulator reads the year
    live.simulators.card.add_holder(DemoHolder(student_no, "王五", "13700000011", "6195", fen))
    with live.platform.uow() as uow:
        uow.session.add(Follower(openid=openid))
        uow.session.add(Binding(openid=openid, student_no=student_no, name="王五", phone="13700000011"))
        uow.commit()
    return openid, student_no


def _shown(driver: webdriver.Chrome, css: str, timeout: float = 15) -> None:
    WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css).is_displayed(),
                                         f"{css} never shown")


def _topup_page(phone: webdriver.Chrome, live: Stack, chat: str, openid: str) -> None:
    """The chat, then 我的校园卡 in the web view (through WeChat's authorization), then its 充值."""
    phone.get(f"{chat}/?openid={openid}")
    _shown(phone, "#menu")  # at phone width the conversation fills the screen; the panels are folded
    WebDriverWait(phone, 15).until(lambda d: d.execute_script("return document.getElementById('openid').textContent")
                                   == openid)
    phone.execute_script("webView.open(arguments[0], arguments[1], '我的校园卡')", f"{live.ingress_url}/m/card",
                         openid)
    _shown(phone, "#webview")
    phone.switch_to.frame("webview-frame")
    WebDriverWait(phone, 15).until(lambda d: d.find_elements(By.ID, "balance"))
    phone.find_element(By.CSS_SELECTOR, "a[href='/m/topup']").click()
    _shown(phone, ".choice")


def _sheet(phone: webdriver.Chrome) -> str:
    phone.switch_to.default_content()
    _shown(phone, "#paysheet")
    phone.execute_script("document.getElementById('paysheet').scrollIntoView()")
    return str(phone.find_element(By.ID, "paysheet").text)


def test_the_page_the_pay_sheet_and_the_receipt_in_the_chat(live: Stack, chat: str, phone: webdriver.Chrome) -> None:
    openid, student_no = _student(live)
    _topup_page(phone, live, chat, openid)
    assert not phone.find_element(By.ID, "topup-done").is_displayed()
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing overflows
    phone.find_element(By.CSS_SELECTOR, ".choice[data-amount='50']").click()
    screenshot(phone, "topup-1-page-390")
    phone.find_element(By.ID, "pay").click()
    assert "¥50.00" in _sheet(phone)
    screenshot(phone, "topup-2-pay-sheet-390")
    phone.find_element(By.ID, "paysheet-pay").click()
    phone.switch_to.frame("webview-frame")
    _shown(phone, "#topup-done")
    assert not phone.find_element(By.ID, "topup").is_displayed()
    assert "到账结果将在对话中通知您" in phone.find_element(By.ID, "topup-done").text
    phone.switch_to.default_content()
    phone.execute_script("document.getElementById('webview').scrollIntoView()")
    screenshot(phone, "topup-3-paid-390")
    phone.switch_to.frame("webview-frame")
    phone.find_element(By.CSS_SELECTOR, "#topup-done [data-close]").click()  # 回到对话: closeWindow
    phone.switch_to.default_content()
    WebDriverWait(phone, 5).until(lambda d: not d.find_element(By.ID, "webview").is_displayed())
    receipt = wait_for_answer(phone, "微信支付充值成功", timeout=30)
    assert "50.00" in receipt and "余额 60.00 元" in receipt
    phone.execute_script("document.querySelector('#conversation .msg.in:last-child').scrollIntoView()")
    screenshot(phone, "topup-4-receipt-in-chat-390")
    assert live.simulators.card.balances[student_no] == 6_000


def test_a_cancelled_sheet_or_a_bad_amount_moves_no_money(live: Stack, chat: str, phone: webdriver.Chrome) -> None:
    openid, student_no = _student(live)
    _topup_page(phone, live, chat, openid)
    phone.find_element(By.ID, "amount").send_keys("12.5")
    phone.find_element(By.ID, "pay").click()
    assert "¥12.50" in _sheet(phone)
    phone.find_element(By.ID, "paysheet-cancel").click()
    phone.switch_to.frame("webview-frame")
    WebDriverWait(phone, 10).until(lambda d: "已取消支付，未扣款" in d.find_element(By.ID, "topup-error").text)
    phone.find_element(By.ID, "amount").clear()
    phone.find_element(By.ID, "amount").send_keys("9999")
    phone.find_element(By.ID, "pay").click()
    WebDriverWait(phone, 10).until(lambda d: "单笔金额" in d.find_element(By.ID, "topup-error").text)
    phone.switch_to.default_content()
    assert live.simulators.card.balances[student_no] == 1_000
