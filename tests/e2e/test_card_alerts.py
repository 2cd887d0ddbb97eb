"""A swipe reaches the student: the card system's webhook, the alerts pool, the reply pool and the
WeChat API simulator, as in production; the student's own settings by chat."""

from __future__ import annotations

import time
import uuid

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


def _alerts(live: Stack, openid: str, after: int, count: int, timeout: float = 20.0) -> list[str]:
    """The texts of the first `count` messages `openid` got after its first `after` (its own replies)."""
    deadline = time.monotonic() + timeout
    while True:
        found = live.sent_to(openid)[after:]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"expected {count} alerts, got {found}"
            assert all(m["msgtype"] == "text" for m in found), "a student within a grant is told by message"
            return [m["content"] for m in found]
        time.sleep(0.02)


def _settled(live: Stack, openid: str, student: str, swipes: int) -> bool:
    """Every swipe recorded (each in the transaction that decides its alerts) and every message to the
    student sent: a second alert could only come from one of those."""
    with live.platform.uow() as uow:
        recorded = uow.session.execute(select(func.count()).select_from(CardTransactionRow)
                                       .where(CardTransactionRow.student_no == student)).scalar_one()
    return recorded >= swipes and live.settled(openid)


def test_a_swipe_reaches_a_student_who_just_wrote_once_as_a_customer_service_message(live: Stack, openid: str) -> None:
    student = _bound(live, openid)
    assert "消费提醒已开启" in live.ask(openid, "消费提醒 开")  # a message: WeChat allows 5 answers in 48 h
    asked = len(live.sent_to(openid))
    event = transaction(student, amount="-8.00", balance="42.00")
    started = time.monotonic()
    assert post(live, event).status_code == 200
    [alert] = _alerts(live, openid, asked, 1)
    took = time.monotonic() - started
    assert alert == "【消费提醒】\n您的校园卡在一食堂消费 8.00 元，余额 42.00 元。"
    assert took < 5, f"alert took {took:.2f} s"
    assert post(live, event).json()["status"] == "duplicate"  # the card system's retry
    assert wait_until(lambda: _settled(live, openid, student, 1)), "the swipe is still being handled"
    assert len(_alerts(live, openid, asked, 1)) == 1


def test_low_balance_warns_once_as_the_balance_falls(live: Stack, openid: str) -> None:
    student = _bound(live, openid)
    assert "余额提醒已开启" in live.ask(openid, "余额提醒 20")
    asked = len(live.sent_to(openid))
    for balance in ("25.00", "15.00", "10.00"):
        assert post(live, transaction(student, amount="-5.00", balance=balance)).status_code == 200
    [warning] = _alerts(live, openid, asked, 1)
    # The pool handles the three side by side: whichever below-threshold balance it sees first warns.
    assert warning.startswith("【余额不足提醒】\n校园卡余额 1") and "已低于您设置的 20.00 元" in warning
    assert wait_until(lambda: _settled(live, openid, student, 3)), "the swipes are still being handled"
    assert len(_alerts(live, openid, asked, 1)) == 1
