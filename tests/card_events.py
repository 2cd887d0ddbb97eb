"""Playing the card system in tests: a signed transaction POSTed to `/cardsystem/events`."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import requests
from sqlalchemy import select

from events.card_events import signature
from store.inbox import CARD
from store.tables import InboxEvent
from tests.harness import Stack


def transaction(student_no: str, amount: str = "-12.50", balance: str = "87.50", **extra: Any) -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, "type": "transaction", "student_no": student_no, "card_no": "6100100099",
            "amount": amount, "balance": balance, "merchant": "一食堂", "terminal": "本部-一食堂-03",
            "occurred_at": datetime.now(UTC).isoformat(), **extra}


def post(stack: Stack, event: dict[str, Any] | bytes, *, secret: str | None = None,
         timestamp: int | None = None) -> requests.Response:
    body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    key = secret if secret is not None else stack.settings.card_events_secret.get_secret_value()
    return requests.post(f"{stack.ingress_url}/cardsystem/events", data=body, timeout=10,
                         headers={"Content-Type": "application/json", "X-Card-Timestamp": ts,
                                  "X-Card-Signature": signature(key, ts, body)})


def stored_for(stack: Stack, student_no: str) -> list[InboxEvent]:
    """The card transactions of one holder in the inbox, oldest first (detached, read-only)."""
    with stack.platform.uow() as uow:
        rows = uow.session.execute(select(InboxEvent).where(InboxEvent.source == CARD).order_by(InboxEvent.id))
        found = [row for row in rows.scalars() if row.payload.get("student_no") == student_no]
        uow.session.expunge_all()
        return found
