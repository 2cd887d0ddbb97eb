"""Orders before the money moves: confirmations expire, limits count what is in flight, the daily run is due once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from store.tables import MoneyOrder, ReconciliationRun, utcnow
from tests.harness import ROOT, Stack, new_openid
from workers.money import orders
from workers.money.reconcile.schedule import due_day


def test_an_unconfirmed_order_expires_and_ends_cancelled(stack: Stack) -> None:
    openid, now = new_openid(), utcnow()
    with stack.platform.uow() as uow:
        order = orders.ask(uow.session, openid=openid, student_no="E0001", kind="topup", target=None,
                           amount_fen=100, now=now, confirm_seconds=300)
        uow.commit()
        order_id = order.id
    with stack.platform.uow() as uow:
        assert orders.awaiting(uow.session, openid, now + timedelta(seconds=299)) is not None
        assert orders.awaiting(uow.session, openid, now + timedelta(seconds=301)) is None
    orders.expire_unconfirmed(stack.platform.engine, now + timedelta(seconds=301))
    with stack.platform.uow() as uow:
        assert uow.session.get_one(MoneyOrder, order_id).status == "cancelled"


def test_the_daily_limit_counts_orders_in_flight_but_not_failed_ones(stack: Stack) -> None:
    now, student = utcnow(), new_openid("S")[:12]
    with stack.platform.uow() as uow:
        for fen, status in ((3000, "bank_debited"), (2000, "done"), (9000, "failed"), (500, "awaiting_confirmation")):
            order = orders.ask(uow.session, openid=new_openid(), student_no=student, kind="topup", target=None,
                               amount_fen=fen, now=now, confirm_seconds=60)
            uow.session.execute(update(MoneyOrder).where(MoneyOrder.id == order.id).values(status=status))
        uow.commit()
        assert orders.spent_today(uow.session, student, now) == 5000


def test_the_reconciliation_of_yesterday_is_due_after_two_in_the_morning_once(stack: Stack) -> None:
    before_two = datetime(2031, 3, 4, 17, 59, tzinfo=UTC)  # 01:59 on the 5th in Shanghai
    after_two = datetime(2031, 3, 4, 18, 1, tzinfo=UTC)
    engine = stack.platform.engine
    assert due_day(engine, before_two, "02:00") is None
    assert str(due_day(engine, after_two, "02:00")) == "2031-03-04"
    assert due_day(engine, after_two, "") is None
    with stack.platform.uow() as uow:
        uow.session.add(ReconciliationRun(statement_date="2031-03-04", triggered_by="test", status="done"))
        uow.commit()
    assert due_day(engine, after_two, "02:00") is None


def test_onecard_reconcile_reports_a_quiet_day_as_clean(stack: Stack) -> None:
    done = subprocess.run([sys.executable, "-m", "onecard.cli", "reconcile", "--date", "2020-01-01"], cwd=ROOT,
                          env={**os.environ, **stack.env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "for 2020-01-01: 0 differences, 0 waiting for an operator" in done.stdout
    assert "statement" in done.stderr  # the progress bar
