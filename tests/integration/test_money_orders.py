"""Orders before the money moves: confirmations expire, limits count what is in flight, a day is reconciled once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

from sqlalchemy import select, update

from events.campus_time import SHANGHAI
from onecard.jobs import reconcile_yesterday
from store.tables import MoneyOrder, ReconciliationRun, utcnow
from tests.harness import ROOT, Stack, new_openid
from workers.money import orders


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


def test_the_daily_reconciliation_leaves_a_day_already_reconciled_alone(stack: Stack) -> None:
    yesterday = (datetime.now(SHANGHAI).date() - timedelta(days=1)).isoformat()
    with stack.platform.uow() as uow:
        uow.session.add(ReconciliationRun(statement_date=yesterday, triggered_by="test", status="done"))
        uow.commit()
    reconcile_yesterday(stack.platform)
    with stack.platform.uow() as uow:
        runs = uow.session.execute(select(ReconciliationRun).where(
            ReconciliationRun.statement_date == yesterday)).scalars().all()
        assert [run.triggered_by for run in runs] == ["test"]


def test_onecard_reconcile_reports_a_quiet_day_as_clean(stack: Stack) -> None:
    done = subprocess.run([sys.executable, "-m", "onecard.cli", "reconcile", "--date", "2020-01-01"], cwd=ROOT,
                          env={**os.environ, **stack.env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "for 2020-01-01: 0 differences, 0 waiting for an operator" in done.stdout
    assert "statement" in done.stderr  # the progress bar
