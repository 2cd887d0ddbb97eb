"""`POST /cardsystem/events` over real HTTP: stored once, refused with the right status, nothing
stored in any refusal."""

from __future__ import annotations

import json
import time
import uuid

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
