"""WeChat Pay's trade bill over HTTP, the real client against the simulator: it exists from 10:00 the
next day (STATEMENT_CREATING before: ask again later), never for a day without trades
(NO_STATEMENT_EXIST: no rows), and a quiet day is still reconciled, our own payments of it included;
a clerk cannot start a run for a bill that cannot exist yet.

The simulator's clock is moved (`Stack.wechatpay_time`) as time would move it; the rules stay WeChat
Pay's (常见问题, pay.weixin.qq.com/doc/v3/merchant/4013071254).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from adapters.wechatpay.port import WeChatPay, bill_ready_at
from events.campus_time import SHANGHAI
from events.errors import TransientError
from store.tables import Discrepancy, MoneyOrder, ReconciliationRun, utcnow
from tests.harness import Stack, new_openid
from tests.integration.backoffice.client import signed_in
from workers.money.reconcile.run import reconcile


def _client(stack: Stack) -> WeChatPay:
    pay = stack.money.wechatpay
    assert pay is not None
    return pay


def _paid_at_wechat_pay(stack: Stack, fen: int) -> tuple[str, date]:
    """A payment WeChat Pay booked (straight on its books: no notification to us) and the day it fell on."""
    no = f"W{uuid.uuid4().hex[:16].upper()}B"
    _client(stack).jsapi(no, description="账单", amount_fen=fen, openid=new_openid(),
                         expires_at="2099-01-01T00:00:00+08:00")
    order = stack.simulators.wechatpay.books.pay(no)
    assert order is not None and order.paid_at is not None
    return no, order.paid_at.astimezone(SHANGHAI).date()


def _quiet_day(stack: Stack) -> date:
    """The day before yesterday, whose bill exists, and on which the simulator booked nothing (checked
    here: no test books a trade with the simulator's clock set in the past)."""
    day = datetime.now(SHANGHAI).date() - timedelta(days=2)
    books = stack.simulators.wechatpay.books
    booked = [o.paid_at for o in books.orders.values() if o.paid_at] + [r.at for r in books.refunds.values()]
    assert all(at.astimezone(SHANGHAI).date() != day for at in booked)
    return day


def test_a_days_bill_is_being_generated_until_ten_the_next_morning(stack: Stack) -> None:
    no, day = _paid_at_wechat_pay(stack, 321)
    with pytest.raises(TransientError, match="STATEMENT_CREATING"):  # the day is not over
        _client(stack).tradebill(day.isoformat())
    before_ten = stack.wechatpay_time(bill_ready_at(day) - timedelta(seconds=30))  # the next day, 09:59:30
    with before_ten, pytest.raises(TransientError, match="STATEMENT_CREATING"):
        _client(stack).tradebill(day.isoformat())
    with stack.wechatpay_time(bill_ready_at(day)):  # 10:00: there it is
        bill = _client(stack).tradebill(day.isoformat())
    assert bill is not None and f"`{no}," in bill


def test_a_day_without_trades_has_no_bill(stack: Stack) -> None:
    assert _client(stack).tradebill(_quiet_day(stack).isoformat()) is None


def test_a_quiet_days_reconciliation_still_finds_our_payments_wechat_pay_never_had(stack: Stack) -> None:
    # Given a day WeChat Pay booked nothing on, and a WeChat Pay top-up we hold done on that day
    day = _quiet_day(stack)
    ours, at = f"W{uuid.uuid4().hex[:16].upper()}Q", datetime.combine(day, time(12), SHANGHAI)
    with stack.platform.uow() as uow:
        uow.session.add(MoneyOrder(order_no=ours, kind="wxtopup", openid=new_openid(), student_no="20240001",
                                   target="20240001", amount_fen=800, status="done", created_at=at, expires_at=at,
                                   confirmed_at=at, moved_at=at, finished_at=at))
        uow.commit()
    # When that day's WeChat Pay bill is reconciled
    run_id = reconcile(stack.platform.engine, stack.money, day, triggered_by="test", source="wechatpay")
    # Then the run ends, reads no line, and our payment waits for an operator, its card not credited again
    with stack.platform.uow() as uow:
        run = uow.session.get_one(ReconciliationRun, run_id)
        found = {d.kind: d for d in uow.session.execute(select(Discrepancy).where(
            Discrepancy.run_id == run_id, Discrepancy.order_no == ours)).scalars()}
        assert (run.status, (run.summary or {}).get("lines")) == ("done", 0)
        assert (found["platform_only"].platform_fen, found["platform_only"].status) == (800, "open")
        assert found["card_mismatch"].status == "open"


def test_reconciling_a_bill_not_yet_generated_fails_the_run_for_a_later_try(stack: Stack) -> None:
    today = utcnow().astimezone(SHANGHAI).date()
    with pytest.raises(TransientError, match="STATEMENT_CREATING"):
        reconcile(stack.platform.engine, stack.money, today, triggered_by="test", source="wechatpay")
    with stack.platform.uow() as uow:
        run = uow.session.execute(select(ReconciliationRun).where(
            ReconciliationRun.statement_date == today.isoformat(), ReconciliationRun.source == "wechatpay")
            .order_by(ReconciliationRun.id.desc())).scalars().first()
        assert run is not None and run.status == "failed" and "STATEMENT_CREATING" in (run.summary or {})["error"]


def test_a_clerk_cannot_start_a_wechatpay_run_before_its_bill_exists(stack: Stack) -> None:
    today = utcnow().astimezone(SHANGHAI).date().isoformat()
    answer = signed_in(stack, "operator").post("/reconciliation", {"date": today, "source": "wechatpay"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("err=reconcile_bill_not_ready")
    with stack.platform.uow() as uow:
        assert uow.session.execute(select(ReconciliationRun).where(
            ReconciliationRun.statement_date == today, ReconciliationRun.source == "wechatpay",
            ReconciliationRun.triggered_by.startswith("admin:"))).first() is None
