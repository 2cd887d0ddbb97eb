"""`POST /cardsystem/events` over real HTTP: stored once, refused with the right status and the card
system's contract's error body, nothing stored in any refusal or test delivery."""

from __future__ import annotations

import json
import time
import uuid

from sqlalchemy import func, select

from adapters.contracts import load
from store.tables import InboxEvent
from tests.card_events import post, stored_for, transaction
from tests.harness import Stack


def _stored(stack: Stack, student_no: str) -> int:
    return len(stored_for(stack, student_no))


def _student() -> str:
    return f"H{uuid.uuid4().hex[:10]}"


def test_an_event_is_stored_once_however_often_the_card_system_sends_it(stack: Stack) -> None:
    student = _student()
    event = transaction(student)
    answers = [post(stack, event) for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert [a.json()["status"] for a in answers] == ["stored", "duplicate", "duplicate"]
    assert _stored(stack, student) == 1
    [row] = stored_for(stack, student)
    assert (row.topic, row.source, row.openid, row.payload["amount_fen"]) == ("alerts", "card", None, -1250)


def test_a_bad_or_stale_signature_is_401_and_stores_nothing(stack: Stack) -> None:
    student = _student()
    assert post(stack, transaction(student), secret="not-the-secret").status_code == 401
    assert post(stack, transaction(student), timestamp=int(time.time()) - 301).status_code == 401
    assert _stored(stack, student) == 0


def test_a_body_that_is_not_an_event_is_400_and_stores_nothing(stack: Stack) -> None:
    student = _student()
    for bad in (transaction(student, amount="12"), transaction(student, type="refund"),
                json.dumps({"student_no": student}).encode(), b"not json"):
        answer = post(stack, bad)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]
    assert _stored(stack, student) == 0


def test_a_signed_test_delivery_is_acknowledged_and_stores_nothing(stack: Stack) -> None:
    """The card system's `POST /webhooks/test` (what `onecard conformance` asks for): 200 when the
    signature is right, 401 when not, and never an event in the inbox."""
    contract = load("card-system")
    event = {"event_id": f"test-{uuid.uuid4().hex[:10]}", "type": "test", "occurred_at": "2026-03-02T12:05:09+08:00"}
    before = _inbox_size(stack)
    answer = post(stack, event)
    assert (answer.status_code, answer.json()) == (200, {"status": "test"})
    refused = post(stack, event, secret="not-the-secret")
    assert refused.status_code == 401
    for status, body in ((200, answer.json()), (401, refused.json())):
        assert not contract.webhook_response_problems("transaction", status, body), body
    assert _inbox_size(stack) == before


def test_every_refusal_is_the_contracts_error_body(stack: Stack) -> None:
    contract = load("card-system")
    for answer in (post(stack, b"not json"), post(stack, transaction(_student()), secret="not-the-secret")):
        assert not contract.webhook_response_problems("transaction", answer.status_code, answer.json()), answer.text
    assert post(stack, b"not json").json()["error"] == "bad_event"


def _inbox_size(stack: Stack) -> int:
    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(InboxEvent)).scalar_one())
