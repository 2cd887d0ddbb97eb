"""A student's card alerts in the chat simulator's page: a swipe at the card system appears as a
template message, its fields shown rather than its JSON, without reloading.

A WeChat API simulator that describes the template (its `template` entry) makes it a card; one
that does not, a bubble with the fields on their own lines: the test reads either.
"""

from __future__ import annotations

import uuid

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from store.tables import Binding
from tests.card_events import post, transaction
from tests.e2e.browser import screenshot
from tests.harness import Stack, new_openid


def _bubbles(driver: webdriver.Chrome) -> list[str]:
    """What each incoming message reads, a bubble's text or a card's (its parts one to a line)."""
    found = driver.execute_script(
        "return Array.from(document.querySelectorAll('#conversation .msg.in .bubble, #conversation .tmpl-card'),"
        " (e) => e.innerText)")
    return [str(text) for text in found]


def test_a_swipe_shows_as_an_alert_in_the_page(live: Stack, chat: str, browser: webdriver.Chrome) -> None:
    openid, student = new_openid("sim_"), f"B{uuid.uuid4().hex[:10]}"
    with live.platform.uow() as uow:
        uow.session.add(Binding(openid=openid, student_no=student, name="测试", phone="13800009998"))
        uow.commit()
    browser.get(f"{chat}/?openid={openid}")
    browser.find_element(By.ID, "text").send_keys("消费提醒 开")
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 20).until(lambda d: any("消费提醒已开启" in t for t in _bubbles(d)), "not switched on")
    assert post(live, transaction(student, amount="-6.50", balance="93.50", merchant="二食堂")).status_code == 200
    alert: str = WebDriverWait(browser, 20).until(
        lambda d: next((t for t in _bubbles(d) if "二食堂" in t), ""), "no alert in the page")
    assert "6.50 元" in alert and "93.50 元" in alert
    assert "{" not in alert  # the fields, not the JSON
    screenshot(browser, "chat-5-card-alert")
