"""The card system's webhook body and signature: what is accepted, and the reason for what is not."""

from __future__ import annotations

import json

import pytest

from events.card_events import check_signature, parse_transaction, signature
from events.errors import BadCallback
from store.inbox import store_key

GOOD = {"event_id": "ev-1", "type": "transaction", "student_no": "20240001", "card_no": "C0001",
        "amount": "-12.50", "balance": "87.50", "merchant": "一食堂", "terminal": "本部-一食堂-03",
        "occurred_at": "2026-11-30T12:01:02+08:00"}


def test_a_valid_event_is_read_in_fen_and_keyed_by_its_event_id() -> None:
    tx = parse_transaction(json.dumps(GOOD).encode())
    assert (tx.amount_fen, tx.balance_fen) == (-1250, 8750)
    assert store_key(tx) == "c:ev-1"


@pytest.mark.parametrize("change", [{"amount": "-12.5"}, {"amount": -12.5}, {"type": "refund"},
                                    {"occurred_at": "2026-11-30T12:01:02"}, {"student_no": ""},
                                    {"event_id": "x" * 65}])
def test_a_bad_event_is_refused_with_400(change: dict[str, object]) -> None:
    with pytest.raises(BadCallback) as refused:
        parse_transaction(json.dumps(GOOD | change).encode())
    assert refused.value.status == 400


def test_the_signature_must_match_and_be_fresh() -> None:
    body = json.dumps(GOOD).encode()
    check_signature("s", "1000", signature("s", "1000", body), body, now=1100)
    for ts, sig, now in (("1000", signature("t", "1000", body), 1100), ("1000", signature("s", "1000", body), 1400),
                         ("", "", 1000)):
        with pytest.raises(BadCallback) as refused:
            check_signature("s", ts, sig, body, now=now)
        assert refused.value.status == 401
