"""The card system simulator as a card system: `/card/_swipe` moves money on its one ledger and
delivers the transaction to onecard's webhook, retrying until acknowledged, duplicates refused."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests
from sqlalchemy import func, select

from store.tables import InboxEvent
from tests.card_events import stored_for
from tests.harness import Stack


def _stored(stack: Stack, student_no: str) -> list[dict[str, object]]:
    return [row.payload for row in stored_for(stack, student_no)]


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_swipe_moves_the_ledger_and_reaches_the_webhook_once_despite_duplicates(stack: Stack) -> None:
    card = stack.simulators.card
    card.webhook.connect(f"{stack.ingress_url}/cardsystem/events",
                         stack.settings.card_events_secret.get_secret_value())
    before = card.balance("20240003")
    assert before is not None
    stack.card_faults(duplicate_rate=1.0)
    try:
        answer = requests.post(f"{stack.simulator_url}/card/_swipe",
                               json={"student_no": "20240003", "amount": "-1.50", "merchant": "二食堂"}, timeout=10)
    finally:
        stack.money_faults("card")  # no faults named: all cleared
    assert answer.status_code == 200, answer.text
    assert card.balance("20240003") == before - 150
    _wait(lambda: card.webhook.delivered >= 2)  # sent twice by the duplicate fault
    [payload] = [p for p in _stored(stack, "20240003") if p["event_id"] == answer.json()["event_id"]]
    assert (payload["amount_fen"], payload["balance_fen"], payload["merchant"]) == (-150, before - 150, "二食堂")


def test_a_swipe_the_card_cannot_pay_is_refused_and_sends_nothing(stack: Stack) -> None:
    with stack.platform.uow() as uow:
        count = uow.session.execute(select(func.count()).select_from(InboxEvent)).scalar_one()
    answer = requests.post(f"{stack.simulator_url}/card/_swipe",
                           json={"student_no": "20240004", "amount": "-999.00", "merchant": "超市"}, timeout=10)
    assert answer.status_code == 409 and answer.json()["error"] == "insufficient_balance"
    bad = requests.post(f"{stack.simulator_url}/card/_swipe", json={"student_no": "20240004"}, timeout=10)
    assert bad.status_code == 400
    with stack.platform.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(InboxEvent)).scalar_one() == count
