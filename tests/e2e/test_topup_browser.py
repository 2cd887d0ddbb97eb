"""A student tops up with WeChat Pay in Chromium at 390 px: 我的校园卡 → 充值 → the simulated
WeixinJSBridge's pay sheet → the receipt in the chat (the relay credits the card in a worker)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from adapters.cardsystem.demo import DemoHolder
from adapters.wechat.oauth_simulator import OPENID_COOKIE
from store.tables import Binding, Follower
from tests.e2e.browser import chromium, screenshot
from tests.e2e.chat_server import serving_chat
from tests.e2e.test_chat_browser import wait_for_answer
from tests.harness import Stack, new_openid


@pytest.fixture(scope="module")
def phone() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        driver.set_window_size(390, 844)
        yield driver


def _student(live: Stack) -> tuple[str, str]:
    openid, student_no = new_openid("sim_"), f"2025{uuid.uuid4().int % 10**6:06d}"  # the simulator reads the year
    live.simulators.card.add_holder(DemoHolder(student_no, "王五", "13700000011", "6195", 1_000))
    with live.platform.uow() as uow:
        uow.session.add(Follower(openid=openid))
        uow.session.add(Binding(openid=openid, student_no=student_no, name="王五", phone="13700000011"))
        uow.commit()
    return openid, student_no


def _visible(driver: webdriver.Chrome, css: str, timeout: float = 15) -> None:
    WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css).is_displayed(),
                                         f"{css} never shown")


def test_the_page_the_pay_sheet_and_the_receipt_in_the_chat(live: Stack, phone: webdriver.Chrome) -> None:
    openid, student_no = _student(live)
    with serving_chat(live) as chat:
        phone.get(f"{chat}/?openid={openid}")
        conversation = phone.current_window_handle
        phone.add_cookie({"name": OPENID_COOKIE, "value": openid, "path": "/"})  # the WeChat client is signed in
        phone.switch_to.new_window("tab")  # the web view
        phone.get(f"{live.ingress_url}/m/card")
        assert "我的校园卡" in phone.title
        phone.find_element(By.CSS_SELECTOR, "a[href='/m/topup']").click()
        _visible(phone, ".choice")
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing overflows
        assert not phone.find_element(By.ID, "topup-done").is_displayed()
        phone.find_element(By.CSS_SELECTOR, ".choice[data-amount='50']").click()
        screenshot(phone, "topup-page-390")
        phone.find_element(By.ID, "pay").click()
        _visible(phone, "#wxpay-sheet")
        assert "¥50.00" in phone.find_element(By.ID, "wxpay-sheet").text
        screenshot(phone, "topup-pay-sheet-390")
        phone.find_element(By.ID, "wxpay-confirm").click()
        _visible(phone, "#topup-done")
        assert not phone.find_element(By.ID, "topup").is_displayed()
        assert "到账结果将在对话中通知您" in phone.find_element(By.ID, "topup-done").text
        screenshot(phone, "topup-paid-390")
        phone.close()
        phone.switch_to.window(conversation)
        receipt = wait_for_answer(phone, "微信支付充值成功", timeout=30)
        assert "50.00" in receipt and "余额 60.00 元" in receipt
        phone.execute_script("document.querySelector('#conversation .msg.in:last-child').scrollIntoView()")
        screenshot(phone, "topup-receipt-in-chat-390")
    assert live.simulators.card.balances[student_no] == 6_000


def test_a_cancelled_pay_sheet_moves_no_money(live: Stack, phone: webdriver.Chrome) -> None:
    openid, student_no = _student(live)
    phone.get(f"{live.ingress_url}/healthz")
    phone.add_cookie({"name": OPENID_COOKIE, "value": openid, "path": "/"})
    phone.delete_cookie("onecard_m")  # a new student on the same phone: WeChat is asked again
    phone.get(f"{live.ingress_url}/m/topup")
    phone.find_element(By.ID, "amount").send_keys("12.5")
    phone.find_element(By.ID, "pay").click()
    _visible(phone, "#wxpay-sheet")
    phone.find_element(By.ID, "wxpay-cancel").click()
    _visible(phone, "#topup-error")
    assert "已取消支付，未扣款" in phone.find_element(By.ID, "topup-error").text
    phone.find_element(By.ID, "amount").clear()
    phone.find_element(By.ID, "amount").send_keys("9999")
    phone.find_element(By.ID, "pay").click()
    WebDriverWait(phone, 10).until(lambda d: "单笔金额" in d.find_element(By.ID, "topup-error").text)
    assert live.simulators.card.balances[student_no] == 1_000
