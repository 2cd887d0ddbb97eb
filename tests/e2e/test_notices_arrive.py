"""Notices that must arrive do, whatever WeChat's customer-service grants allow: as a message within a
grant, as their template past it — through the real ingress, workers and the strict WeChat simulator."""

from __future__ import annotations

import time
from typing import Any

import requests

from adapters.wechat.callbacks import event_xml
from tests.card_events import post, transaction
from tests.harness import Stack
from tests.processes import wait_until


def _templates(live: Stack, openid: str, after: int, count: int, timeout: float = 40.0) -> list[dict[str, Any]]:
    """The first `count` template messages `openid` got after its first `after` messages."""
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        found[:] = [m for m in live.sent_to(openid)[after:] if m["msgtype"] == "template"]
        return len(found) >= count

    assert wait_until(arrived, timeout=timeout), f"expected {count} templates, got {live.sent_to(openid)[after:]}"
    return found


def _refusals(live: Stack, openid: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{live.wechat_sim}/_sim/refusals", params={"touser": openid}, timeout=10).json())


def test_a_receipt_after_a_menu_confirmation_and_a_slow_bank_arrives_as_its_template(live: Stack,
                                                                                     openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    assert "请确认" in live.ask(openid, "充值 20")
    live.age(openid, 49)  # the messages' grants are over: only the click's minute is left
    before = len(live.sent_to(openid))
    live.money_faults("bank", latency_ms=7_000)  # the bank answers after our 5 s timeout: asked again later
    try:
        # The click reached us 52 s after the student made it (as a callback WeChat retried would):
        # its minute ends 8 s from now, 3 s counting the margin a queued message needs.
        clicked = int(time.time()) - 52
        response = live.sender().post(event_xml(openid, "CLICK", "CONFIRM", create_time=clicked))
        assert response.status_code == 200
        accepted = live.replies(openid, before + 1)[before]
        assert "已受理" in accepted, accepted
        time.sleep(9)  # past the click's minute
    finally:
        live.money_faults("bank")
    [receipt] = _templates(live, openid, before, 1, timeout=60)
    assert receipt["template"]["title"] == "充值结果通知"
    fields = dict(receipt["template"]["fields"])
    assert fields["充值金额"] == "20.00元" and fields["充值状态"] == "成功"
    assert wait_until(lambda: live.settled(openid), timeout=30)
    after = live.sent_to(openid)[before:]
    assert [m["msgtype"] for m in after] == ["text", "template"], after  # the receipt once, never both
    assert _refusals(live, openid) == []


def test_an_automatic_top_up_and_a_spending_alert_reach_a_student_silent_for_three_days(live: Stack,
                                                                                         openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    assert "消费提醒已开启" in live.ask(openid, "消费提醒 开")
    since = len(live.sms_to("13800000003"))
    assert "验证码" in live.ask(openid, "自动充值 30 低于 20")
    code = live.code_sent("13800000003", since)
    assert "自动充值已开启" in live.ask(openid, code)
    live.age(openid, 72)
    before = len(live.sent_to(openid))
    assert post(live, transaction("20240003", amount="-12.00", balance="8.00")).status_code == 200
    # The swipe's alert, the top-up placed, and its receipt once the money moved.
    found = _templates(live, openid, before, 3, timeout=60)
    spent = [dict(m["template"]["fields"]) for m in found if m["template"]["title"] == "消费提醒"]
    assert spent and spent[0]["消费金额"] == "12.00元" and spent[0]["卡内余额"] == "8.00元"
    topped = [dict(m["template"]["fields"]) for m in found if m["template"]["title"] == "充值结果通知"]
    assert any(f["充值状态"] == "成功" and f["充值金额"] == "30.00元" for f in topped), found
    assert wait_until(lambda: live.settled(openid), timeout=30)
    assert all(m["msgtype"] == "template" for m in live.sent_to(openid)[before:])
    assert _refusals(live, openid) == []
