"""A card-system transaction (a swipe, a kiosk top-up): the second event source beside WeChat.

The card system POSTs each one to `/cardsystem/events` (or publishes it to a broker, read by
`onecard card-feed`); both check it here, sign-checked or not, and store it in the inbox as a
record of its own source (`store.inbox`), so the inbox, the sweeper and the pipeline treat it like
any callback. Amounts are yuan strings with two decimals; we keep integer fen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from events.errors import BadCallback

_YUAN = re.compile(r"^-?\d{1,9}\.\d{2}$")
_FIELDS = ("event_id", "type", "student_no", "card_no", "amount", "balance", "merchant", "terminal", "occurred_at")
#: The `type` of a test delivery: acknowledged and never stored.
TEST_TYPE = "test"
_MAX_LEN = {"event_id": 64, "student_no": 32, "card_no": 32, "merchant": 64, "terminal": 64}


@dataclass(frozen=True, slots=True)
class CardTransaction:
    """One transaction as the card system reported it; `amount_fen` is negative for spending."""

    event_id: str
    student_no: str
    card_no: str
    amount_fen: int
    balance_fen: int
    merchant: str
    terminal: str
    occurred_at: datetime

    def payload(self) -> dict[str, Any]:
        """What the inbox keeps: JSON-ready, and read back by `from_payload`. Field by field, not
        `dataclasses.asdict`, which deep-copies every value: 8 % of the web process's CPU per swipe."""
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__slots__}
        data["occurred_at"] = self.occurred_at.isoformat()
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> CardTransaction:
        values = dict(data)
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        return cls(**{name: values[name] for name in cls.__slots__})


def wire_amount(fen: int) -> str:
    """Fen as the card system writes yuan on the wire: "-12.50" (what `parse_transaction` reads back)."""
    return f"{Decimal(fen) / 100:.2f}"


def _fen(text: object, name: str) -> int:
    if not isinstance(text, str) or not _YUAN.match(text):
        raise BadCallback(400, f"{name} must be yuan with two decimals, e.g. \"-12.50\"")
    return int(Decimal(text) * 100)


def parse_transaction(body: bytes) -> CardTransaction:
    """The event in a webhook body or broker message; BadCallback(400) names what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCallback(400, "body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadCallback(400, "body is not a JSON object")
    missing = [name for name in _FIELDS if not isinstance(data.get(name), str) or not data[name].strip()]
    if missing:
        raise BadCallback(400, f"missing or not text: {', '.join(missing)}")
    if data["type"] != "transaction":
        raise BadCallback(400, f"unknown event type {data['type'][:32]!r}")
    for name, limit in _MAX_LEN.items():
        if len(data[name]) > limit:
            raise BadCallback(400, f"{name} longer than {limit}")
    try:
        occurred_at = datetime.fromisoformat(data["occurred_at"])
    except ValueError as exc:
        raise BadCallback(400, "occurred_at is not ISO-8601") from exc
    if occurred_at.tzinfo is None:
        raise BadCallback(400, "occurred_at needs its UTC offset")
    return CardTransaction(data["event_id"].strip(), data["student_no"].strip(), data["card_no"].strip(),
                           _fen(data["amount"], "amount"), _fen(data["balance"], "balance"),
                           data["merchant"].strip(), data["terminal"].strip(), occurred_at)


#: How far a card system's signing time may be from ours: a delivery signed longer ago (or later) is
#: refused as a replay, so the card system's clock must keep within it (`onecard doctor` checks).
SIGNATURE_WINDOW_SECONDS = 300


def is_test_event(body: bytes) -> bool:
    """A signed test delivery (the card system's `POST /webhooks/test`: `{"event_id": "test-…",
    "type": "test", …}`): the integrator checks the secret with it; it carries no transaction."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and data.get("type") == TEST_TYPE and isinstance(data.get("event_id"), str)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `timestamp + "." + body`: what the card system puts in X-Card-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def check_signature(secret: str, timestamp: str, sig: str, body: bytes, *, now: float,
                    max_skew: int = SIGNATURE_WINDOW_SECONDS) -> None:
    """BadCallback(401) unless signed with our secret within `max_skew` seconds."""
    if not timestamp.isdigit() or not sig:
        raise BadCallback(401, "missing X-Card-Timestamp or X-Card-Signature")
    if abs(now - int(timestamp)) > max_skew:
        raise BadCallback(401, "stale signature")
    if not hmac.compare_digest(signature(secret, timestamp, body), sig.strip().lower()):
        raise BadCallback(401, "bad signature")
