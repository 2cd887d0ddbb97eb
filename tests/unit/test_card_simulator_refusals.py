"""The card simulator refuses money on a card that is not in use, as the school's card system does,
and the state machine ends such an order properly (reversed, refunded or failed), never in a loop."""

from __future__ import annotations

import pytest

from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.cardsystem.simulator.state import Refused
from tests.unit.test_money_machine import _run, _world
from workers.money.machine import OrderView


def _credit(sim: CardSystemSimulator, key: str, student_no: str, fen: int) -> dict[str, object]:
    return sim.journal.run(key, sim.apply, {"op": "credit", "student_no": student_no, "amount_fen": fen,
                                            "memo": "银行圈存"})


@pytest.mark.parametrize("status", ["lost", "frozen", "cancelled"])
def test_a_card_not_in_use_takes_no_top_up_and_pays_nothing(status: str) -> None:
    sim = CardSystemSimulator()
    before = sim.balance("20240001")
    sim.change("20240001", status=status)
    credit = _credit(sim, "T1:credit", "20240001", 5000)
    assert (credit["status"], credit["reason"]) == ("refused", f"card_{status}")
    debit = sim.journal.run("P1:debit", sim.apply, {"op": "debit", "student_no": "20240001", "amount_fen": 100,
                                                    "memo": "校园网费"})
    assert (debit["status"], debit["reason"]) == ("refused", f"card_{status}")
    with pytest.raises(Refused, match=f"card_{status}"):
        sim.swipe_now("20240001", 5000, "圈存机")  # a top-up at a campus terminal too
    assert sim.balance("20240001") == before


def test_the_refusal_is_the_keys_outcome_for_good_even_after_the_card_is_found() -> None:
    sim = CardSystemSimulator()
    sim.change("20240001", status="lost")
    _credit(sim, "T2:credit", "20240001", 5000)
    sim.change("20240001", status="normal")  # 解挂
    assert _credit(sim, "T2:credit", "20240001", 5000)["status"] == "refused"  # the first outcome for a key


@pytest.mark.parametrize(("status", "outcome"), [("lost", "applied"), ("frozen", "applied"), ("cancelled", "refused")])
def test_a_refund_of_a_payment_still_lands_on_a_lost_card_but_not_a_cancelled_one(status: str, outcome: str) -> None:
    sim = CardSystemSimulator()
    before = sim.balance("20240001") or 0
    sim.change("20240001", status=status)
    assert _credit(sim, "P3:refund", "20240001", 300)["status"] == outcome
    assert sim.balance("20240001") == before + (300 if outcome == "applied" else 0)


def test_a_top_up_onto_a_card_lost_after_the_bank_debit_is_reversed_at_the_bank() -> None:
    ports, bank, card, _ = _world()
    card.change("20240003", status="lost")
    path = _run(OrderView(1, "T9", "topup", "20240003", None, 5000, "created", 0), ports)
    assert [(t.status, t.error) for t in path] == [("bank_debited", None), ("reversing", "card_lost"),
                                                   ("reversed", None)]
    assert bank.journal.get("T9:debit")["status"] == "reversed"


def test_a_payment_from_a_frozen_card_fails_without_moving_money() -> None:
    ports, _, card, fees = _world()
    before = card.balances["20240001"]
    card.change("20240001", status="frozen")
    path = _run(OrderView(2, "P9", "net", "20240001", "20240001", 100, "created", 0), ports)
    assert [(t.status, t.error) for t in path] == [("failed", "card_frozen")]
    assert card.balances["20240001"] == before and fees.received == {}
