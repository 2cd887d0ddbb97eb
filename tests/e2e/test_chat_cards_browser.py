"""WeChat as it really is in the chat simulator's page (issue #27): a template message is a
service-notification card, a customer-service message stays a bubble, and a send WeChat refused
shows as a grey line saying why.

The page reads `/_sim/messages` and `/_sim/refusals` of the WeChat API simulator. Until the
simulator that fills `template` and lists refusals is on this branch, the test serves those two
routes itself, in the format that simulator answers; the page cannot tell the difference.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chatsim.config import ChatConfig
from chatsim.refusals import refusal_note
from chatsim.web import create_chat_app
from onecard.serve import ServerThread
from tests.e2e.browser import screenshot
from tests.e2e.test_chat_browser import incoming, texts
from tests.harness import new_openid


class WeChatSimRoutes:
    """The WeChat API simulator's `/_sim/messages` and `/_sim/refusals`, filled by the test."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refusals: list[dict[str, Any]] = []

    def send(self, touser: str, content: str, template: dict[str, Any] | None = None) -> None:
        msgtype = "template" if template else "text"
        self.messages.append({"seq": len(self.messages) + 1, "touser": touser, "msgtype": msgtype, "content": content,
                              "raw": {"touser": touser, "msgtype": msgtype}, "at": time.time(), "template": template})

    def refuse(self, touser: str, api: str, errcode: int, errmsg: str) -> dict[str, Any]:
        refusal = {"seq": len(self.refusals) + 1, "touser": touser, "api": api, "errcode": errcode, "errmsg": errmsg,
                   "at": time.time()}
        self.refusals.append(refusal)
        return refusal

    async def sim_messages(self, request: Request) -> Response:
        q = request.query_params
        deadline = time.monotonic() + min(float(q.get("wait", "0")), 25.0)
        while True:
            found = [m for m in self.messages if m["touser"] == q["touser"] and m["seq"] > int(q.get("after", "0"))]
            if found or time.monotonic() >= deadline:
                return JSONResponse(found)
            await asyncio.sleep(0.05)

    async def sim_refusals(self, request: Request) -> Response:
        return JSONResponse([r for r in self.refusals if r["touser"] == request.query_params["touser"]])

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/wechat-api/_sim/messages", self.sim_messages),
            Route("/wechat-api/_sim/refusals", self.sim_refusals),
            Route("/wechat-api/_sim/oauth", lambda request: JSONResponse([])),
            Route("/m/bill", lambda request: HTMLResponse('<h1 id="bill">本月账单</h1>')),
        ])


@pytest.fixture(scope="module")
def wechat() -> Iterator[tuple[WeChatSimRoutes, str]]:
    routes = WeChatSimRoutes()
    server = ServerThread(routes.app()).start()
    try:
        yield routes, server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(wechat: tuple[WeChatSimRoutes, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The chat simulator reading those routes (nothing here sends a callback: no ingress needed)."""
    sms: Path = tmp_path_factory.mktemp("sms") / "sms.jsonl"
    config = ChatConfig(callback_url="http://127.0.0.1:9/wechat", token="token", appid="wx0000000000000000",
                        aes_key=None, wechat_sim_url=f"{wechat[1]}/wechat-api", sms_sink=sms)
    server = ServerThread(create_chat_app(config)).start()
    try:
        yield server.url
    finally:
        server.stop()


def card(driver: webdriver.Chrome) -> WebElement:
    """The newest template card (looked up afresh: the conversation re-renders as things arrive)."""
    return driver.find_elements(By.CSS_SELECTOR, "#conversation .msg.in.template .tmpl-card")[-1]


def refusal_lines(driver: webdriver.Chrome) -> list[str]:
    return texts(driver, "#conversation .note.refusal")


def test_a_template_message_is_a_card_and_a_refused_send_a_grey_line(
        wechat: tuple[WeChatSimRoutes, str], page: str, browser: webdriver.Chrome) -> None:
    routes, base = wechat
    openid = new_openid("sim_")
    routes.send(openid, "您好，有什么可以帮您？")
    routes.send(openid, "消费提醒\n消费金额：6.50 元\n商户：二食堂\n余额：93.50 元", {
        "template_id": "tmpl-spending", "title": "消费提醒", "url": f"{base}/m/bill",
        "fields": [["消费金额", "6.50 元"], ["商户", "二食堂"], ["余额", "93.50 元"]]})
    earlier = routes.refuse(openid, "custom", 45015, "response out of time limit or subscription is canceled")
    browser.set_window_size(1360, 960)
    browser.get(f"{page}/?openid={openid}")
    # What was sent before the page opened arrives: the card, and the refusal as a grey line.
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".tmpl-card")
                                     and refusal_lines(d) == [refusal_note(earlier)], "no card and refusal")

    title = card(browser).find_element(By.CSS_SELECTOR, ".tmpl-title")
    assert title.text == "消费提醒" and title.value_of_css_property("font-weight") in ("600", "700")
    assert "月" in card(browser).find_element(By.CSS_SELECTOR, ".tmpl-time").text
    rows = browser.execute_script("return Array.from(document.querySelectorAll('.tmpl-card .tmpl-field'),"
                                  " (r) => [r.querySelector('dt').textContent, r.querySelector('dd').textContent])")
    assert rows == [["消费金额", "6.50 元"], ["商户", "二食堂"], ["余额", "93.50 元"]]
    assert card(browser).find_element(By.CSS_SELECTOR, ".tmpl-more").text == "详情"
    assert incoming(browser) == ["您好，有什么可以帮您？"]  # customer service stays a bubble

    # A refusal while the page is open is pushed, as a second grey line.
    now = routes.refuse(openid, "custom", 45047, "out of response count limit")
    WebDriverWait(browser, 10).until(lambda d: len(refusal_lines(d)) == 2, "the refusal was not pushed")
    assert refusal_lines(browser)[1] == refusal_note(now)
    assert refusal_note(now).startswith("客服消息额度已用完（45047）")
    assert "客服消息被拒 · 45047" in browser.find_element(By.ID, "wire").text
    screenshot(browser, "chat-cards-1-template-card-and-refusals")

    # 详情 opens the linked page in the web view, as a link in a message does.
    card(browser).find_element(By.CSS_SELECTOR, ".tmpl-more").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "webview").is_displayed())
    assert browser.find_element(By.ID, "webview-url").text == f"{base}/m/bill"
    browser.switch_to.frame("webview-frame")
    try:
        assert WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "bill")).text == "本月账单"
    finally:
        browser.switch_to.default_content()
    browser.find_element(By.ID, "webview-close").click()


def test_at_phone_width_the_card_fits_beside_the_avatar(wechat: tuple[WeChatSimRoutes, str], page: str,
                                                        browser: webdriver.Chrome) -> None:
    routes, _base = wechat
    openid = new_openid("sim_")
    routes.send(openid, "停水通知\n通知内容：明日 8:00-12:00 东区停水，请提前储水\n发布单位：后勤服务中心", {
        "template_id": "tmpl-notice", "title": "停水通知", "url": None,
        "fields": [["通知内容", "明日 8:00-12:00 东区停水，请提前储水"], ["发布单位", "后勤服务中心"]]})
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{page}/?openid={openid}")
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".tmpl-card"), "no card")
        assert card(browser).find_elements(By.CSS_SELECTOR, ".tmpl-more") == []  # no link: no 详情
        left, right, screen_left, screen_right = browser.execute_script(
            "const c = document.querySelector('.tmpl-card').getBoundingClientRect(),"
            " s = document.querySelector('.screen').getBoundingClientRect();"
            "return [c.left, c.right, s.left, s.right]")
        assert screen_left < left and right < screen_right, (left, right, screen_left, screen_right)
        screenshot(browser, "chat-cards-2-notice-card-390")
    finally:
        browser.set_window_size(1360, 960)
