"""Hostile callbacks against the real ingress over HTTP: forged and stale signatures, replays, XML
entities, oversized, truncated and wrongly encoded bodies, unknown types, SQL and HTML in text.
Each gets a clear 4xx or a polite reply; never a 5xx, a hang, or a row stored half-way."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlencode

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from adapters.wechat.callbacks import text_xml
from ingress.verify import plain_signature
from store.tables import InboxEvent
from tests.harness import TOKEN, Stack
from tests.processes import wait_until


def inbox_count(stack: Stack) -> int:
    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(InboxEvent)).scalar_one())


def post_raw(stack: Stack, body: bytes | Iterator[bytes], *, timestamp: int | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
    ts = str(timestamp or int(time.time()))
    query = {"timestamp": ts, "nonce": "n0nce", "signature": signature or plain_signature(TOKEN, ts, "n0nce")}
    return requests.post(f"{stack.ingress_url}/wechat?{urlencode(query)}", data=body, headers=headers, timeout=5)


def refused(stack: Stack, body: bytes | Iterator[bytes], status: int = 400, *, timestamp: int | None = None,
            signature: str | None = None) -> str:
    before = inbox_count(stack)
    started = time.monotonic()
    response = post_raw(stack, body, timestamp=timestamp, signature=signature)
    assert response.status_code == status, (response.status_code, response.text)
    assert time.monotonic() - started < 2, "refusals are fast"
    assert inbox_count(stack) == before, "nothing stored"
    return response.text


def test_a_forged_signature_is_refused_with_403(stack: Stack, openid: str) -> None:
    assert "signature" in refused(stack, text_xml(openid, "余额").encode(), 403, signature="0" * 40)


def test_a_stale_signature_is_refused_as_a_replay(stack: Stack, openid: str) -> None:
    refused(stack, text_xml(openid, "余额").encode(), 403, timestamp=int(time.time()) - 3600)


def test_a_replayed_callback_is_acknowledged_and_answered_once(live: Stack, openid: str) -> None:
    body = text_xml(openid, "帮助").encode()
    live.heard(body.decode())  # WeChat's part: it knows the user wrote
    before = inbox_count(live)
    for _ in range(3):
        response = post_raw(live, body)
        assert (response.status_code, response.text) == (200, "success")
    assert inbox_count(live) == before + 1
    live.replies(openid, 1)
    assert wait_until(lambda: live.settled(openid)), "the replays are still being handled"
    assert len(live.sent_to(openid)) == 1


def test_external_entities_are_refused(stack: Stack, openid: str) -> None:
    xxe = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1</CreateTime>"
           "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>")
    assert "passwd" not in refused(stack, xxe.encode())


def test_a_billion_laughs_is_refused_at_once(stack: Stack) -> None:
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ) + "]><xml><Content>&lol9;</Content></xml>"
    refused(stack, lol.encode())
    # Entities without a DOCTYPE are unknown entities: an XML error, not an expansion.
    refused(stack, b"<xml><Content>&lol9;</Content></xml>")


def test_an_oversized_body_is_refused_declared_or_streamed(stack: Stack, openid: str) -> None:
    big = text_xml(openid, "x" * 100_000).encode()
    refused(stack, big)

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]

    refused(stack, chunks())  # chunked: no Content-Length to trust


def test_truncated_empty_and_non_xml_bodies_are_refused(stack: Stack, openid: str) -> None:
    whole = text_xml(openid, "余额").encode()
    for body in (whole[: len(whole) // 2], whole[:-3], b"", b"{\"json\": true}", b"<xml/>", b"<html></html>"):
        refused(stack, body)


def test_missing_fields_and_nested_values_are_refused(stack: Stack, openid: str) -> None:
    refused(stack, f"<xml><FromUserName>{openid}</FromUserName><MsgType>text</MsgType></xml>".encode())
    refused(stack, text_xml(openid, "x").replace("<CreateTime>", "<CreateTime>abc").encode())
    refused(stack, f"<xml><ToUserName>gh</ToUserName><FromUserName><a>{openid}</a></FromUserName>"
                   "<CreateTime>1</CreateTime><MsgType>text</MsgType></xml>".encode())


def test_wrong_encodings_get_a_clear_answer(stack: Stack, openid: str) -> None:
    gbk = f'<?xml version="1.0" encoding="gbk"?>{text_xml(openid, "余额")}'.encode("gbk")
    refused(stack, gbk)  # expat reads UTF-8, UTF-16, Latin-1 and ASCII only
    refused(stack, text_xml(openid, "余额").encode("utf-8").replace("余".encode(), b"\xff\xfe\xfd"))
    utf16 = text_xml(openid, "帮助").encode("utf-16")  # with its BOM: well-formed, and understood
    response = post_raw(stack, utf16)
    assert (response.status_code, response.text) == (200, "success")


def test_an_unknown_message_type_gets_a_polite_reply(live: Stack, openid: str) -> None:
    body = text_xml(openid, "hi").replace("<![CDATA[text]]>", "<![CDATA[hologram]]>")
    live.heard(body)  # a message of a kind we do not know is still a message the user sent
    assert post_raw(live, body.encode()).text == "success"
    assert "暂不支持此类消息" in live.replies(openid, 1)[0]


def test_sql_and_html_in_a_text_are_just_text(live: Stack, openid: str) -> None:
    for text in ("'; DROP TABLE bindings; --", "<script>alert(1)</script>", "绑定 1' OR '1'='1"):
        reply = live.ask(openid, text)
        assert "没看懂" in reply or "绑定" in reply, reply
    assert {"bindings", "inbox_events"} <= set(inspect(live.platform.engine).get_table_names())
    with live.platform.uow() as uow:
        stored = uow.session.execute(select(InboxEvent.content).where(InboxEvent.openid == openid)).scalars().all()
    assert "<script>alert(1)</script>" in stored


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=st.binary(max_size=3000) | st.text(max_size=500).map(lambda t: f"<xml>{t}</xml>".encode()))
def test_fuzzed_bodies_get_200_or_400_over_http(stack: Stack, body: bytes) -> None:
    response = post_raw(stack, body)
    assert response.status_code in (200, 400), (response.status_code, response.text)
