"""The chat simulator is a real client: signed callbacks in, what the WeChat API simulator got out."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import requests
from pydantic import SecretStr
from websockets.sync.client import connect

from chatsim.client import ChatClient
from chatsim.config import chat_config
from chatsim.menu import phone_menu
from events.routing import RULES, route_menu_key
from ingress.app import Ingress, create_app
from onecard.security_headers import origin
from onecard.serve import ServerThread
from onecard.web import ingress_config
from tests.e2e.chat_server import stack_chat_config
from tests.harness import Stack

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def next_pushed(chat: str, params: dict[str, str], kind: str, timeout: float = 20.0) -> dict[str, Any]:
    """The first item of `kind` the chat simulator pushes to a page with these parameters."""
    url = f"{chat.replace('http://', 'ws://')}/api/live?{urlencode(params)}"
    deadline = time.monotonic() + timeout
    with connect(url, open_timeout=10) as socket:
        while True:
            item = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if item["type"] == kind:
                return dict(item[kind])


def test_a_message_typed_in_the_simulator_reaches_the_ingress_signed_and_the_answer_is_pushed(
        live: Stack, chat: str, openid: str) -> None:
    sent = requests.post(f"{chat}/api/say", json={"openid": openid, "text": "帮助"}, timeout=10).json()
    assert sent["accepted"] and sent["status"] == 200 and sent["answer"] == "success"
    assert f"<FromUserName><![CDATA[{openid}]]></FromUserName>" in sent["xml"]

    pushed = next_pushed(chat, {"openid": openid}, "message")
    assert "可用功能" in str(pushed["content"])
    # What the page shows is what the reply worker sent to the WeChat API simulator.
    assert live.sent_to(openid)[0]["content"] == pushed["content"]


def test_a_reconnecting_page_gets_only_the_messages_it_has_not_seen(live: Stack, chat: str, openid: str) -> None:
    live.say(openid, "帮助")
    live.say(openid, "今天吃什么")
    first, second = live.replies(openid, 2)
    seqs = [m["seq"] for m in live.sent_to(openid)]
    again = next_pushed(chat, {"openid": openid, "after": str(seqs[0])}, "message")
    assert again["seq"] == seqs[1] and again["content"] == second != first


def test_menu_presses_and_follows_are_the_events_wechat_sends(live: Stack, chat: str, openid: str) -> None:
    followed = requests.post(f"{chat}/api/event", json={"openid": openid, "event": "subscribe"}, timeout=10).json()
    assert followed["accepted"] and "<Event><![CDATA[subscribe]]></Event>" in followed["xml"]
    assert "欢迎关注" in live.replies(openid, 1)[0]

    clicked = requests.post(f"{chat}/api/event", json={"openid": openid, "event": "CLICK", "key": "BALANCE"},
                            timeout=10).json()
    assert clicked["accepted"] and "<EventKey><![CDATA[BALANCE]]></EventKey>" in clicked["xml"]
    assert "还未绑定" in live.replies(openid, 2)[1]

    refused = requests.post(f"{chat}/api/event", json={"openid": openid, "event": "MASSSENDJOBFINISH"}, timeout=10)
    assert refused.status_code == 400


def test_the_page_offers_the_menu_the_platform_defines_and_every_key_routes(chat: str) -> None:
    info = requests.get(f"{chat}/api/info", timeout=10).json()
    assert info["menu"] == phone_menu(None, info["web_url"]) and 1 <= len(info["menu"]) <= 3
    assert info["callback_url"] == f"{info['web_url']}/wechat"  # the pages live beside the callback
    keys = [b["key"] for top in info["menu"] for b in (top.get("sub_button") or [top]) if b.get("type") == "click"]
    assert set(keys) <= {r.menu_key for r in RULES if r.menu_key}
    for key in keys:
        assert not getattr(route_menu_key(key).command, "unknown", False), key
    assert info["safe_mode"] is False and info["callback_url"].endswith("/wechat")


def test_the_page_explains_itself_without_developer_words_and_frames_only_the_pages(chat: str) -> None:
    page = requests.get(f"{chat}/", timeout=10)
    plain = re.sub(r"<details.*?</details>", "", page.text, flags=re.S)  # the details line may be technical
    assert "模拟微信服务器" in plain and "签名" in plain
    for word in ("XML", "POST", "AES", "simulator.py"):
        assert word not in plain, word
    assert "XML" in page.text and "POST" in page.text  # still there for a developer, one click away
    info = requests.get(f"{chat}/api/info", timeout=10).json()
    policy = page.headers["Content-Security-Policy"]
    assert origin(info["web_url"]) in policy.split("frame-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and page.headers["X-Content-Type-Options"] == "nosniff"


def test_a_menu_pushed_to_wechat_is_the_menu_the_phone_shows(live: Stack, chat: str) -> None:
    pushed = {"button": [{"type": "click", "name": "查余额", "key": "BALANCE"},
                         {"name": "更多", "sub_button": [{"type": "click", "name": "帮助", "key": "HELP"}]}]}
    live.platform.wechat.create_menu(pushed)
    try:
        assert requests.get(f"{chat}/api/info", timeout=10).json()["menu"] == pushed["button"]
    finally:
        live.simulators.wechat.state.menu = None
    info = requests.get(f"{chat}/api/info", timeout=10).json()
    assert info["menu"] == phone_menu(None, info["web_url"])


def test_the_sms_panel_streams_the_sms_sink(live: Stack, chat: str, openid: str) -> None:
    since = len(live.sms_to("13800000003"))
    total = len(ChatClient(stack_chat_config(live)).sms())
    live.request_code(openid, "20240003", "13800000003")
    line = next_pushed(chat, {"openid": openid, "sms_after": str(total)}, "sms")
    assert line["phone"] == "13800000003" and "验证码" in str(line["text"])
    assert line["text"] == live.sms_to("13800000003")[since]


def test_in_safe_mode_the_simulator_encrypts_what_it_sends(live: Stack, openid: str) -> None:
    # An ingress of the same platform that holds an EncodingAESKey, as after `ONECARD_WECHAT_AES_KEY=…`.
    settings = live.settings.model_copy(update={"wechat_aes_key": SecretStr(AES_KEY)})
    app = create_app(Ingress(ingress_config(settings), live.platform.engine, live.platform.enqueue_events))
    server = ServerThread(app).start()
    try:
        client = ChatClient(chat_config(settings, live.simulator_url, ingress_url=f"{server.url}/wechat"))
        assert client.config.safe_mode
        delivery = client.say(openid, "帮助")
        assert delivery.accepted and delivery.safe_mode
        assert "可用功能" in live.replies(openid, 1)[0]
        # Encrypted with another key, the ingress cannot open it: the simulator really encrypts.
        wrong = ChatClient(replace(client.config, aes_key=AES_KEY[::-1]))
        refused = wrong.say(openid, "帮助")
        assert refused.status == 400 and "decrypt" in refused.answer
    finally:
        server.stop()
