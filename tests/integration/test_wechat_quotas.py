"""The WeChat API simulator keeps WeChat's customer-service quotas, met through the real client over HTTP:
what each user did grants what WeChat's table says, for as long as it says, and no more."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest
import requests

from adapters.wechat.callbacks import event_xml, text_xml
from adapters.wechat.port import Undeliverable, WeChatApi
from adapters.wechat.sim_templates import DEMO_TEMPLATES
from adapters.wechatpay.client import HttpWeChatPay
from events.errors import TransientError
from tests.harness import Stack, new_openid

NOTICE = next(t for t in DEMO_TEMPLATES if t.title == "通知公告")


@pytest.fixture
def wechat(stack: Stack) -> WeChatApi:
    return stack.platform.wechat


def _heard(stack: Stack, xml: str, at: float | None = None) -> Any:
    params = {"at": str(at)} if at is not None else {}
    answer = requests.post(f"{stack.wechat_sim}/_sim/heard", params=params, data=xml.encode(), timeout=10)
    answer.raise_for_status()
    return answer.json()["scenario"]


def _sim(stack: Stack, path: str, **body: Any) -> Any:
    answer = requests.post(f"{stack.wechat_sim}/_sim/{path}", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _get(stack: Stack, path: str, **params: Any) -> Any:
    return requests.get(f"{stack.wechat_sim}/_sim/{path}", params=params, timeout=10).json()


def _sends(wechat: WeChatApi, openid: str, count: int) -> list[int]:
    """Send `count` texts; per send 0 or the errcode WeChat refused it with."""
    codes = []
    for n in range(count):
        try:
            wechat.send_text(openid, f"第{n}条")
            codes.append(0)
        except Undeliverable as exc:
            codes.append(exc.errcode)
    return codes


def test_a_user_who_never_wrote_gets_nothing_and_the_refusal_is_recorded(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    with pytest.raises(Undeliverable) as refused:
        wechat.send_text(openid, "你好")
    assert refused.value.errcode == 45015
    assert [(r["api"], r["errcode"]) for r in _get(stack, "refusals", touser=openid)] == [("custom", 45015)]
    assert stack.sent_to(openid) == []


def test_a_message_allows_five_sends_then_45047(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    assert _heard(stack, text_xml(openid, "余额")) == "message"
    assert _sends(wechat, openid, 6) == [0, 0, 0, 0, 0, 45047]
    [grant] = _get(stack, "grants", touser=openid)
    assert (grant["scenario"], grant["allowed"], grant["used"]) == ("message", 5, 5)
    assert grant["expires_at"] - grant["granted_at"] == 48 * 3600
    assert [r["errcode"] for r in _get(stack, "refusals", touser=openid)] == [45047]


def test_wechats_resends_of_a_message_grant_once(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    xml = text_xml(openid, "余额")
    for _ in range(4):
        _heard(stack, xml)
    assert _sends(wechat, openid, 6)[-1] == 45047


def test_a_click_allows_three_within_a_minute_and_not_after(stack: Stack, wechat: WeChatApi) -> None:
    openid, late = new_openid(), new_openid()
    assert _heard(stack, event_xml(openid, "CLICK", "BALANCE")) == "click"
    assert _sends(wechat, openid, 4) == [0, 0, 0, 45047]
    assert _heard(stack, event_xml(late, "CLICK", "BALANCE"), at=time.time() - 61) == "click"
    assert _sends(wechat, late, 1) == [45015]


def test_follows_and_scans_grant_three_for_a_minute_and_other_events_nothing(stack: Stack, wechat: WeChatApi) -> None:
    follower, scanner, known, viewer = (new_openid() for _ in range(4))
    assert _heard(stack, event_xml(follower, "subscribe")) == "follow"
    assert _heard(stack, event_xml(scanner, "subscribe", "qrscene_1001")) == "scan"
    assert _heard(stack, event_xml(known, "SCAN", "1001")) == "scan"
    for event in ("VIEW", "LOCATION", "TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH"):
        assert _heard(stack, event_xml(viewer, event, "x")) is None
    assert [_sends(wechat, o, 4) for o in (follower, scanner, known)] == [[0, 0, 0, 45047]] * 3
    assert _sends(wechat, viewer, 1) == [45015]


def test_ageing_a_users_grants_plays_the_student_who_wrote_three_days_ago(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    _heard(stack, text_xml(openid, "你好"))
    assert _sim(stack, "age", openid=openid, seconds=3 * 24 * 3600) == {"moved": 1}
    assert _sends(wechat, openid, 1) == [45015]


def test_unfollowing_ends_the_grants_and_templates_answer_43004(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    _heard(stack, text_xml(openid, "你好"))
    assert _heard(stack, event_xml(openid, "unsubscribe")) is None
    assert _sends(wechat, openid, 1) == [45015]
    with pytest.raises(Undeliverable) as refused:
        wechat.send_template(openid, NOTICE.template_id, {"thing1": {"value": "停水通知"}})
    assert refused.value.errcode == 43004


def test_what_is_not_a_callback_is_refused_400(stack: Stack) -> None:
    for body in (b"<xml><FromUserName>", b"not xml", b"<xml><MsgType>text</MsgType></xml>",
                 b'<!DOCTYPE x [<!ENTITY e "e">]><xml><FromUserName>&e;</FromUserName></xml>'):
        answer = requests.post(f"{stack.wechat_sim}/_sim/heard", data=body, timeout=10)
        assert answer.status_code == 400, body


def test_a_wechat_pay_payment_allows_any_number_of_sends(stack: Stack, wechat: WeChatApi, notify_sink: str) -> None:
    openid = new_openid()
    assert isinstance(stack.money.wechatpay, HttpWeChatPay)
    pay = copy.copy(stack.money.wechatpay)
    pay.notify_url = notify_sink  # the order is the test's own: the platform is not told of it
    expires = (datetime.now(UTC) + timedelta(minutes=15)).astimezone().isoformat(timespec="seconds")
    prepay = pay.jsapi(new_openid("T"), description="校园卡充值", amount_fen=100, openid=openid, expires_at=expires)
    answer = requests.post(f"{stack.simulator_url}/wechatpay/_sim/pay",
                           json={"pay": pay.pay_request(prepay), "action": "pay"}, timeout=10).json()
    assert answer["err_msg"] == "get_brand_wcpay_request:ok"
    assert _sends(wechat, openid, 8) == [0] * 8
    [grant] = _get(stack, "grants", touser=openid)
    assert (grant["scenario"], grant["allowed"], grant["used"]) == ("payment", None, 8)


@pytest.fixture
def notify_sink() -> Iterator[str]:
    """A notify_url that acknowledges every WeChat Pay notification."""

    class Ack(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ack)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/notify"
    server.shutdown()




def test_the_test_stacks_sender_grants_before_the_ingress_hears_of_it(stack: Stack) -> None:
    openid = new_openid()
    assert stack.sender().post(event_xml(openid, "CLICK", "BALANCE")).status_code == 200
    assert [g["scenario"] for g in _get(stack, "grants", touser=openid)] == ["click"]


def test_the_fault_knobs_still_answer_before_the_quota(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    _heard(stack, text_xml(openid, "你好"))
    stack.wechat_faults(refuse={openid: 43004})
    try:
        assert _sends(wechat, openid, 1) == [43004]
    finally:
        stack.wechat_faults(refuse={})
    stack.wechat_faults(fail_next=[-1])
    with pytest.raises(TransientError):
        wechat.send_text(openid, "busy")
    assert _sends(wechat, openid, 6) == [0, 0, 0, 0, 0, 45047]  # the refused sends took nothing
