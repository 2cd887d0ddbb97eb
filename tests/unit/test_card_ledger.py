"""The card system simulator's one ledger: balance, statement and bills agree, and a restart keeps them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cardsystem.demo import DemoHolder
from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.cardsystem.simulator.state import Refused
from workers.text.bills import compute_bill
from workers.text.periods import month_of


def test_a_top_up_and_a_payment_are_lines_of_the_statement_ending_at_the_balance() -> None:
    sim = CardSystemSimulator()
    sim.journal.run("T1:credit", sim.apply, {"op": "credit", "order_no": "T1", "student_no": "20240003",
                                             "amount_fen": 5000, "memo": "银行圈存"})
    sim.journal.run("P1:debit", sim.apply, {"op": "debit", "order_no": "P1", "student_no": "20240003",
                                            "amount_fen": 350, "memo": "图书欠费"})
    newest, before = (sim.statement("20240003") or [])[:2]
    assert sim.balance("20240003") == 880 + 5000 - 350 == newest.balance_fen
    assert (newest.merchant, newest.category, newest.amount_fen) == ("图书欠费", "缴费", -350)
    assert (before.merchant, before.category, before.amount_fen) == ("银行圈存", "充值", 5000)
    this_month = month_of(datetime.now(UTC).date())
    lines = sim.statement("20240003", since=this_month.since, until=this_month.until) or []
    assert compute_bill(lines).topped_up_fen >= 5000


def test_refused_lines_move_nothing() -> None:
    sim = CardSystemSimulator()
    sim.change("20240001", status="lost")
    with pytest.raises(Refused, match="card_lost"):
        sim.post("20240001", -100, "一食堂", "餐饮")
    assert sim.post("20240004", 100, "微信充值", "充值").balance_fen == 100
    with pytest.raises(Refused, match="insufficient_balance"):
        sim.post("20240004", -101, "一食堂", "餐饮")
    assert sim.balance("20240004") == 100 and sim.balance("20240001") == 10000


def test_the_ledger_holders_and_keys_survive_a_restart(tmp_path: Path) -> None:
    first = CardSystemSimulator(data_dir=tmp_path)
    first.add_holder(DemoHolder("X0001", "测试", "13700000001", "6199", 1000))
    first.journal.run("T9:credit", first.apply, {"op": "credit", "student_no": "20240002", "amount_fen": 1234,
                                                 "memo": "银行圈存"})
    first.post("X0001", -250, "一食堂", "餐饮")
    first.change("20240001", status="lost")
    statement = first.statement("20240002")

    again = CardSystemSimulator(data_dir=tmp_path, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert again.balance("20240002") == 5230 + 1234 and again.statement("20240002") == statement
    assert again.balance("X0001") == 750 and getattr(again.holder("20240001"), "status", None) == "lost"
    assert again.journal.get("T9:credit")["status"] == "applied"
    # The repeated key finds its first outcome: the credit does not apply twice after the restart.
    again.journal.run("T9:credit", again.apply, {"op": "credit", "student_no": "20240002", "amount_fen": 1234,
                                                 "memo": "银行圈存"})
    assert again.balance("20240002") == 5230 + 1234


def test_a_keyed_step_without_a_memo_is_refused_and_moves_nothing() -> None:
    """The contract makes `memo` required: the line would not say what moved the money."""
    sim = CardSystemSimulator()
    for key, memo in (("T3:credit", None), ("T4:credit", "  ")):
        body = {"op": "credit", "order_no": key[:2], "student_no": "20240003", "amount_fen": 5000}
        outcome = sim.journal.run(key, sim.apply, body if memo is None else {**body, "memo": memo})
        assert (outcome["status"], outcome["reason"]) == ("refused", "bad_request")
    assert sim.balance("20240003") == 880
