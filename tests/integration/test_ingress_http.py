"""The ingress over real HTTP: what it acks, what it refuses, and that it stores each callback once."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import requests
from sqlalchemy import func, select

from adapters.wechat.callbacks import text_xml
from ingress.verify import plain_signature
from store.tables import InboxEvent
from tests.harness import TOKEN, Stack, new_openid


def _rows(stack: Stack, openid: str) -> int:
    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).where(InboxEvent.openid == openid)).scalar_one())


def _signed_url(stack: Stack, **extra: str) -> str:
    ts, nonce = str(int(time.time())), "n0nce"
    query = {"signature": plain_signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}
    return f"{stack.ingress_url}/wechat?{urlencode(query)}"


def test_the_url_check_echoes_echostr_only_when_signed_by_us(stack: Stack) -> None:
    ok = requests.get(_signed_url(stack, echostr="5837397520403425287"), timeout=5)
    assert (ok.status_code, ok.text) == (200, "5837397520403425287")
    forged = requests.get(f"{stack.ingress_url}/wechat?signature=abc&timestamp=1&nonce=2&echostr=x", timeout=5)
    assert forged.status_code == 403 and "x" not in forged.text


def test_wechat_retries_of_one_message_are_stored_once(stack: Stack) -> None:
    openid = new_openid()
    xml = text_xml(openid, "帮助", msg_id=987654321012345678)
    answers = [stack.sender().post(xml) for _ in range(4)]
    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 4
    assert _rows(stack, openid) == 1


def test_a_forged_signature_is_refused_and_nothing_is_stored(stack: Stack) -> None:
    openid = new_openid()
    url = f"{stack.ingress_url}/wechat?signature={'0' * 40}&timestamp={int(time.time())}&nonce=x"
    answer = requests.post(url, data=text_xml(openid, "余额").encode(), timeout=5)
    assert answer.status_code == 403
    assert _rows(stack, openid) == 0


def test_a_replayed_callback_with_an_old_timestamp_is_refused(stack: Stack) -> None:
    openid = new_openid()
    old = str(int(time.time()) - 3600)
    query = {"signature": plain_signature(TOKEN, old, "n"), "timestamp": old, "nonce": "n"}
    answer = requests.post(f"{stack.ingress_url}/wechat?{urlencode(query)}", data=text_xml(openid, "余额").encode(),
                           timeout=5)
    assert answer.status_code == 403
    assert _rows(stack, openid) == 0


def test_entity_expansion_is_refused_with_400_and_nothing_stored(stack: Stack) -> None:
    openid = new_openid()
    body = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>"
    )
    answer = requests.post(_signed_url(stack), data=body.encode(), timeout=5)
    assert answer.status_code == 400
    assert _rows(stack, openid) == 0


def test_an_oversized_body_is_refused_with_400(stack: Stack) -> None:
    openid = new_openid()
    answer = requests.post(_signed_url(stack), data=text_xml(openid, "x" * 200_000).encode(), timeout=5)
    assert answer.status_code == 400
    assert _rows(stack, openid) == 0


def test_a_truncated_body_is_refused_with_400(stack: Stack) -> None:
    openid = new_openid()
    answer = requests.post(_signed_url(stack), data=text_xml(openid, "余额").encode()[:60], timeout=5)
    assert answer.status_code == 400
    assert _rows(stack, openid) == 0


def test_an_empty_body_is_refused_with_400(stack: Stack) -> None:
    assert requests.post(_signed_url(stack), data=b"", timeout=5).status_code == 400


def test_a_location_report_is_acked_and_stored_but_not_routed(stack: Stack) -> None:
    openid = new_openid()
    xml = (f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{int(time.time())}"
           "</CreateTime><MsgType>event</MsgType><Event>LOCATION</Event><Latitude>31.0</Latitude></xml>")
    answer = stack.sender().post(xml)
    assert (answer.status_code, answer.text) == (200, "success")
    with stack.platform.uow() as uow:
        row = uow.session.execute(select(InboxEvent.topic, InboxEvent.status).where(InboxEvent.openid == openid)).one()
    assert tuple(row) == (None, "ignored")
