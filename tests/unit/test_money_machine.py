"""The state machine over the simulators' own ledgers, called in-process (no HTTP, no database)."""

from __future__ import annotations

from typing import Any, cast

from adapters.bank.simulator import BankSimulator
from adapters.cardsystem.port import CardSystem
from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.fees.port import Due, FeeRecord
from adapters.fees.simulator import FeeSimulator
from adapters.keyed import Outcome
from adapters.sim.journal import Apply, Journal
from events.errors import TransientError
from workers.money.machine import OrderView, Transition, advance
from workers.money.ports import MoneyPorts


class Remote:
    """A simulator's journal behind a call that can lose its answer after committing."""

    def __init__(self, journal: Journal, apply: Apply) -> None:
        self.journal, self.apply, self.lose_next = journal, apply, 0

    def run(self, key: str, data: dict[str, Any]) -> Outcome:
        outcome = Outcome.from_json(self.journal.run(key, self.apply, data))
        if self.lose_next:
            self.lose_next -= 1
            raise TransientError("timed out")  # committed over there, unknown here
        return outcome

    def query(self, key: str) -> Outcome:
        return Outcome.from_json(self.journal.get(key))

    def void(self, key: str, *, order_no: str) -> Outcome:
        return Outcome.from_json(self.journal.void(key, {"order_no": order_no}))


class Bank(Remote):
    def debit(self, key: str, *, order_no: str, account: str, amount_fen: int) -> Outcome:
        return self.run(key, {"op": "debit", "order_no": order_no, "account": account, "amount_fen": amount_fen})

    def reverse(self, key: str, *, debit_key: str, order_no: str) -> Outcome:
        return self.run(key, {"op": "reverse", "order_no": order_no, "debit_key": debit_key})

    def statement(self, date: str) -> str:
        raise NotImplementedError


class Ledger(Remote):
    """The card system's keyed ledger only: the state machine asks nothing else of it."""

    def credit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str = "") -> Outcome:
        return self.run(key, {"op": "credit", "order_no": order_no, "student_no": student_no, "amount_fen": amount_fen,
                              "memo": memo})

    def debit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str = "") -> Outcome:
        return self.run(key, {"op": "debit", "order_no": order_no, "student_no": student_no, "amount_fen": amount_fen,
                              "memo": memo})


class CreditsDown(Ledger):
    def credit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str = "") -> Outcome:
        raise TransientError("card system not answering")


class Fees(Remote):
    def pay(self, key: str, *, order_no: str, kind: str, target: str, amount_fen: int, payer: str = "") -> Outcome:
        return self.run(key, {"order_no": order_no, "kind": kind, "target": target, "amount_fen": amount_fen,
                              "payer": payer})

    def due(self, kind: str, student_no: str) -> list[Due]:
        raise NotImplementedError

    def records(self, date: str) -> list[FeeRecord]:
        return []  # the state machine never reads them; reconciliation's tests do


def _world() -> tuple[MoneyPorts, BankSimulator, CardSystemSimulator, FeeSimulator]:
    bank, card, fees = BankSimulator(), CardSystemSimulator(), FeeSimulator()
    ports = MoneyPorts(Bank(bank.journal, bank.apply), cast(CardSystem, Ledger(card.journal, card.apply)),
                       Fees(fees.journal, fees.apply))
    return ports, bank, card, fees


def _run(order: OrderView, ports: MoneyPorts, max_attempts: int = 4) -> list[Transition]:
    """Step the order to its end as the relay would (without the database)."""
    path: list[Transition] = []
    while order.status not in ("done", "failed", "reversed", "refunded", "manual"):
        t = advance(order, ports, max_attempts)
        path.append(t)
        order = OrderView(order.id, order.order_no, order.kind, order.student_no, order.target, order.amount_fen,
                          t.status, order.attempts + 1 if t.retry else 0)
    return path


def test_a_top_up_debits_the_bank_and_credits_the_card_once() -> None:
    ports, bank, card, _ = _world()
    before = card.balances["20240003"]
    path = _run(OrderView(1, "T1", "topup", "20240003", None, 5000, "created", 0), ports)
    assert [t.status for t in path] == ["bank_debited", "card_credited", "done"]
    assert card.balances["20240003"] == before + 5000
    assert bank.journal.get("T1:debit")["status"] == "applied"


def test_a_lost_answer_is_asked_about_and_the_debit_is_not_repeated() -> None:
    ports, bank, _, _ = _world()
    assert isinstance(ports.bank, Bank)
    ports.bank.lose_next = 1
    path = _run(OrderView(2, "T2", "topup", "20240001", None, 700, "created", 0), ports)
    assert [t.status for t in path] == ["created", "bank_debited", "card_credited", "done"]
    assert path[0].retry
    assert [op["op"] for op in bank.journal.entries()] == ["debit"]
    assert bank.balances["20240001"] == 10_000_000 - 700


def test_a_credit_unknown_for_too_long_is_voided_and_the_debit_reversed() -> None:
    ports, bank, card, _ = _world()
    ports = MoneyPorts(ports.bank, cast(CardSystem, CreditsDown(card.journal, card.apply)), ports.fees)
    before = card.balances["20240002"]
    path = _run(OrderView(3, "T3", "topup", "20240002", None, 900, "created", 0), ports, max_attempts=2)
    assert [t.status for t in path][-2:] == ["reversing", "reversed"]
    assert card.journal.get("T3:credit")["status"] == "voided"
    assert bank.journal.get("T3:debit")["status"] == "reversed" and card.balances["20240002"] == before


def test_a_payment_the_fee_system_refuses_is_refunded_to_the_card() -> None:
    ports, _, card, fees = _world()
    before = card.balances["20240001"]
    path = _run(OrderView(4, "P4", "exam", "20240001", "CET4", 1000, "created", 0), ports)
    assert [t.status for t in path] == ["card_debited", "refunding", "refunded"]
    assert path[1].error == "wrong_exam_fee" and card.balances["20240001"] == before
    assert fees.received == {}


def test_a_payment_larger_than_the_balance_fails_without_moving_money() -> None:
    ports, _, card, _ = _world()
    path = _run(OrderView(5, "P5", "net", "20240004", "20240004", 100, "created", 0), ports)
    assert [(t.status, t.error) for t in path] == [("failed", "insufficient_balance")]
    assert card.balances["20240004"] == 0
