"""The relay over the simulators (HTTP, faults on), and reconciliation repairing and reporting."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from adapters.bank.client import HttpBank
from adapters.cardsystem.client import HttpCardSystem
from adapters.cardsystem.demo import DemoHolder
from adapters.fees.client import HttpFeeSystems
from events.campus_time import SHANGHAI
from events.errors import TransientError
from store.tables import Discrepancy, MoneyOrder, ReconciliationRun, utcnow
from tests.harness import Stack, new_openid
from workers.money import orders
from workers.money.ports import MoneyPorts
from workers.money.reconcile.resolve import CannotResolve, resolve_discrepancy
from workers.money.reconcile.run import reconcile
from workers.money.relay import Relay


def _relay(stack: Stack, timeout: float = 0.3, max_attempts: int = 4) -> Relay:
    s = stack.settings
    ports = MoneyPorts(HttpBank(s.bank_url or "", timeout=timeout),
                       HttpCardSystem(s.card_system_url or "", timeout=timeout),
                       HttpFeeSystems(s.fees_url or "", timeout=timeout))
    return Relay(stack.platform.engine, ports, wake=lambda *_: None, deliver=lambda *_: None,
                 lease=timedelta(seconds=5), max_attempts=max_attempts)


def _order(stack: Stack, student_no: str, kind: str = "topup", fen: int = 1000, target: str | None = None) -> int:
    with stack.platform.uow() as uow:
        now = utcnow()
        order = orders.ask(uow.session, openid=new_openid(), student_no=student_no, kind=kind, target=target,
                           amount_fen=fen, now=now, confirm_seconds=60)
        # No inbox event confirms this order: the relay alone is under test.
        orders.confirm(uow.session, order, event_id=None, reply_deadline=now, now=now)
        uow.commit()
        return order.id


def _drive_until_terminal(relay: Relay, order_id: int, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outcome = relay.drive(order_id)
        if outcome not in ("retry", "not_claimed"):
            return outcome
        time.sleep(0.2)
    raise AssertionError("order did not end")


def _no(stack: Stack, order_id: int) -> str:
    with stack.platform.uow() as uow:
        return uow.session.get_one(MoneyOrder, order_id).order_no


@pytest.fixture(autouse=True)
def _clear_faults(stack: Stack) -> None:
    for system in ("bank", "card", "fees"):
        stack.money_faults(system)


@pytest.fixture
def holder(stack: Stack) -> str:
    """A card holder of this test only (the demo holders are shared by the session's tests)."""
    student_no = new_openid("R")[:12]
    stack.simulators.card.add_holder(DemoHolder(student_no, "测试", "13700000009", "6198", 10_000))
    return student_no


def test_a_debit_whose_answer_was_lost_is_asked_about_not_sent_again_blindly(stack: Stack, holder: str) -> None:
    stack.money_faults("bank", timeout_after_commit_rate=1.0, lost_reply_ms=600)
    relay, order_id = _relay(stack), _order(stack, holder, fen=1234)
    before = stack.simulators.card.balances[holder]
    assert relay.drive(order_id) == "retry"  # the bank committed, we timed out: unknown
    stack.money_faults("bank")
    assert _drive_until_terminal(relay, order_id) == "done"
    no = _no(stack, order_id)
    debits = [op for op in stack.simulators.bank.journal.entries() if op["order_no"] == no]
    assert [(op["op"], op["status"], op["amount_fen"]) for op in debits] == [("debit", "applied", 1234)]
    assert stack.simulators.card.balances[holder] == before + 1234


def test_a_top_up_the_card_system_refuses_is_reversed_at_the_bank(stack: Stack) -> None:
    stack.simulators.card.add_holder(DemoHolder("X0001", "注销卡", "13700000001", "6199", 0, status="cancelled"))
    relay, order_id = _relay(stack), _order(stack, "X0001", fen=2000)
    assert _drive_until_terminal(relay, order_id) == "reversed"
    no = _no(stack, order_id)
    assert stack.simulators.bank.journal.get(f"{no}:debit")["status"] == "reversed"
    assert stack.simulators.bank.journal.get(f"{no}:reverse")["status"] == "applied"


def test_a_debit_unknown_for_too_long_is_voided_so_it_can_never_land(stack: Stack, holder: str) -> None:
    stack.money_faults("bank", error_rate=1.0)
    relay, order_id = _relay(stack, max_attempts=1), _order(stack, holder, fen=500)
    assert relay.drive(order_id) == "retry"  # debit unknown, given up: now reversing, the bank still down
    stack.money_faults("bank")
    time.sleep(0.3)
    assert _drive_until_terminal(relay, order_id) == "failed"
    no = _no(stack, order_id)
    late = HttpBank(stack.settings.bank_url or "").debit(f"{no}:debit", order_no=no, account=holder, amount_fen=500)
    assert late.status == "voided"  # the delayed original arrives: refused, no money moves
    ops = stack.simulators.bank.journal.entries()
    assert not [op for op in ops if op["order_no"] == no and op["status"] == "applied"]


def test_reconciliation_reverses_an_orphan_debit_and_keeps_a_mismatch_for_an_operator(
        stack: Stack, holder: str) -> None:
    bank = HttpBank(stack.settings.bank_url or "")
    bank.debit("TORPHAN1:debit", order_no="TORPHAN1", account=holder, amount_fen=777)
    mismatch_id = _order(stack, holder, fen=100)
    no = _no(stack, mismatch_id)
    bank.debit(f"{no}:debit", order_no=no, account=holder, amount_fen=150)
    with stack.platform.uow() as uow:
        uow.session.execute(update(MoneyOrder).where(MoneyOrder.id == mismatch_id)
                            .values(status="done", moved_at=utcnow()))
        uow.commit()
    run_id = reconcile(stack.platform.engine, stack.money, utcnow().astimezone(SHANGHAI).date(),
                       triggered_by="test")
    with stack.platform.uow() as uow:
        found = {(d.order_no, d.kind): d for d in uow.session.execute(
            select(Discrepancy).where(Discrepancy.run_id == run_id)).scalars()}
        assert found["TORPHAN1", "bank_only"].status == "repaired"
        assert found[no, "amount_mismatch"].status == "open"
        # the order says done but the card never saw the credit: finished (补写) with the same key
        assert found[no, "card_mismatch"].status == "repaired"
        item = resolve_discrepancy(uow.session, found[no, "amount_mismatch"].id, "operator-1", "reversed_at_bank",
                                   "refunded 1.50 by hand")
        uow.commit()
        assert item.status == "resolved" and item.operator == "operator-1"
        with pytest.raises(CannotResolve):
            resolve_discrepancy(uow.session, found[no, "amount_mismatch"].id, "operator-2", "no_action", "again")
    assert stack.simulators.bank.journal.get("TORPHAN1:debit")["status"] == "reversed"
    credit = stack.simulators.card.journal.get(f"{no}:credit")
    assert credit["status"] == "applied"
    # the redone credit names its movement on the card's statement: a bank 圈存, not a WeChat top-up
    line = next(t for t in stack.simulators.card.statement(holder) or [] if t.id == credit["line_id"])
    assert (line.merchant, line.category, line.amount_fen) == ("银行圈存", "充值", 100)


def test_a_reconciliation_whose_bank_is_down_ends_failed_and_says_why(stack: Stack) -> None:
    stack.money_faults("bank", outage=True)
    try:
        with pytest.raises(TransientError):
            reconcile(stack.platform.engine, stack.money,
                      utcnow().astimezone(SHANGHAI).date(), triggered_by="test")
    finally:
        stack.money_faults("bank")
    with stack.platform.uow() as uow:
        run = uow.session.execute(select(ReconciliationRun).order_by(ReconciliationRun.id.desc())).scalars().first()
        assert run is not None and run.triggered_by == "test"
        assert run.status == "failed" and run.finished_at is not None
        assert "Transient" in (run.summary or {})["error"]
