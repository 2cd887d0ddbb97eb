"""A swipe reaches the student: the card system's webhook, the alerts pool, the reply pool and the
WeChat API simulator, as in production; the student's own settings by chat."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from store.tables import Binding, CardTransactionRow
from tests.card_events import post, transaction
from tests.harness import Stack
from tests.processes import wait_until


def _bound(live: Stack, openid: str) -> str:
    student = f"A{uuid.uuid4().hex[:10]}"
    with live.platform.uow() as uow:
        uow.session.add(Binding(openid=openid, student_no=student, name="测试", phone="13800009999"))
        uow.commit()
    return student


def _templates(live: Stack, openid: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = [json.loads(m["content"]) for m in live.sent_to(openid) if m["msgtype"] == "template"]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"expected {count} alerts, got {found}"
            return found
        time.sleep(0.02)


def _settled(live: Stack, openid: str, student: str, swipes: int) -> bool:
    """Every swipe recorded (each in the transaction that decides its alerts) and every message to the
    student sent: a second alert could only come from one of those."""
    with live.platform.uow() as uow:
        recorded = uow.session.execute(select(func.count()).select_from(CardTransactionRow)
                                       .where(CardTransactionRow.student_no == student)).scalar_one()
    return recorded >= swipes and live.settled(openid)


def test_a_swipe_reaches_a_student_with_alerts_on_once_as_a_template(live: Stack, openid: str) -> None:
    student = _bound(live, openid)
    assert "消费提醒已开启" in live.ask(openid, "消费提醒 开")
    event = transaction(student, amount="-8.00", balance="42.00")
    started = time.monotonic()
    assert post(live, event).status_code == 200
    [alert] = _templates(live, openid, 1)
    took = time.monotonic() - started
    assert alert["amount"]["value"] == "8.00 元" and alert["balance"]["value"] == "42.00 元"
    assert took < 5, f"alert took {took:.2f} s"
    assert post(live, event).json()["status"] == "duplicate"  # the card system's retry
    assert wait_until(lambda: _settled(live, openid, student, 1)), "the swipe is still being handled"
    assert len(_templates(live, openid, 1)) == 1


def test_low_balance_warns_once_as_the_balance_falls(live: Stack, openid: str) -> None:
    student = _bound(live, openid)
    assert "余额提醒已开启" in live.ask(openid, "余额提醒 20")
    for balance in ("25.00", "15.00", "10.00"):
        assert post(live, transaction(student, amount="-5.00", balance=balance)).status_code == 200
    [warning] = _templates(live, openid, 1)
    # The pool handles the three side by side: whichever below-threshold balance it sees first warns.
    assert warning["title"]["value"] == "余额不足提醒" and warning["balance"]["value"] in ("15.00 元", "10.00 元")
    assert wait_until(lambda: _settled(live, openid, student, 3)), "the swipes are still being handled"
    assert len(_templates(live, openid, 1)) == 1
