"""Reconciliation of fee payments against the fee systems' own records, and of a reversal that was ours
(issue 15): pure rules and the simulators' journals, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from adapters.bank.simulator import BankSimulator
from adapters.fees.port import FeeRecord
from adapters.fees.simulator import FeeSimulator
from adapters.keyed import Outcome
from workers.money.ports import MoneyPorts
from workers.money.reconcile.fees import FeeOrder, classify_fees
from workers.money.reconcile.match import Finding
from workers.money.reconcile.run import repair

DAY = date(2026, 11, 24)
NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _record(order_no: str, fen: int, at: datetime = NOON) -> FeeRecord:
    return FeeRecord(order_no, "power", "10-305", fen, at.isoformat())


def test_fee_payments_match_the_fee_systems_records_by_order_and_amount() -> None:
    orders = {
        "FA": FeeOrder("FA", "power", 5000, "done", NOON),  # matched
        "FB": FeeOrder("FB", "net", 3000, "done", NOON),  # the network fee system never booked it
        "FC": FeeOrder("FC", "power", 2000, "failed", NOON),  # failed here, booked there
        "FD": FeeOrder("FD", "power", 1000, "done", NOON),  # booked for a different sum
    }
    records = [_record("FA", 5000), _record("FC", 2000), _record("FD", 1200), _record("FE", 700)]
    found = {f.order_no: (f.kind, f.bank_fen, f.platform_fen) for f in classify_fees(DAY, records, orders)}
    assert found == {"FB": ("fee_missing", 0, 3000), "FC": ("fee_only", 2000, 0), "FD": ("fee_amount", 1200, 1000),
                     "FE": ("fee_only", 700, 0)}
    details = {f.order_no: f.detail for f in classify_fees(DAY, records, orders)}
    assert details["FB"] == "平台已扣款，校园网费没有这笔收款记录" and "失败" in details["FC"]
    assert "平台没有这笔订单" in details["FE"]


def test_a_payment_booked_across_midnight_is_a_timing_difference() -> None:
    late = datetime(2026, 11, 24, 15, 58, tzinfo=UTC)  # 23:58 in Shanghai
    orders = {"FT": FeeOrder("FT", "power", 5000, "done", late)}
    [finding] = classify_fees(DAY, [], orders)
    assert finding.kind == "timing"


def test_the_fee_simulator_lists_the_payments_it_booked_that_day() -> None:
    fees = FeeSimulator()
    fees.journal.clock = lambda: NOON
    fees.journal.run("F1:fee", fees.apply, {"op": "pay", "order_no": "F1", "kind": "power", "target": "10-305",
                                             "amount_fen": 5000})
    fees.journal.run("F2:fee", fees.apply, {"op": "pay", "order_no": "F2", "kind": "power", "target": "nowhere",
                                             "amount_fen": 5000})  # refused: not booked
    assert [r["order_no"] for r in fees.records_on("2026-11-24")] == ["F1"]
    assert fees.records_on("2026-11-25") == []


class _Bank:
    def __init__(self, sim: BankSimulator) -> None:
        self.sim = sim

    def reverse(self, key: str, *, debit_key: str, order_no: str) -> Outcome:
        data = {"op": "reverse", "debit_key": debit_key, "order_no": order_no}
        return Outcome.from_json(self.sim.journal.run(key, self.sim.apply, data))

    def query(self, key: str) -> Outcome:
        return Outcome.from_json(self.sim.journal.get(key))


def test_a_reversal_alone_on_a_statement_is_our_own_repair_not_a_difference() -> None:
    """The orphan debit reversed after midnight shows next day as a lone reversal: repaired, not 待处理."""
    sim = BankSimulator()
    sim.journal.run("TX:debit", sim.apply, {"op": "debit", "order_no": "TX", "account": "20240001", "amount_fen": 500})
    money = cast(MoneyPorts, type("Ports", (), {"bank": _Bank(sim)})())
    assert repair(Finding("TX", "bank_only", 500, 0, ""), money) == "已自动冲正这笔孤立扣款"
    assert repair(Finding("TX", "bank_only", -500, 0, ""), money) == "这是平台此前对孤立扣款的冲正，已完成"
    assert repair(Finding("TY", "bank_only", -500, 0, ""), money) is None  # a reversal of nothing of ours
