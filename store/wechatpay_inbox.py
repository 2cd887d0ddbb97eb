"""WeChat Pay's notifications stored once, for orders we know, at the amounts we asked.

A new one makes its order's outbox entry due at once (the relay reads it as proof); a repeat
stores nothing and wakes nothing. Refusals store nothing either, and say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from store.db import begin_as_writer, dialect_insert
from store.tables import MoneyOrder, MoneyOutbox, WeChatPayNotification, utcnow

KIND = "wxtopup"


class NotificationRefused(ValueError):
    """Not a notification for one of our orders as we made it: answered 400, nothing stored."""


@dataclass(frozen=True, slots=True)
class Notified:
    kind: str  # pay | refund
    dedup_key: str
    out_trade_no: str
    transaction_id: str
    state: str
    amount_fen: int
    out_refund_no: str | None
    resource: dict[str, Any]


def read(event_type: str, data: dict[str, Any], mchid: str) -> Notified:
    """The fields we keep from a decrypted payment (TRANSACTION.*) or refund (REFUND.*) resource."""
    try:
        if data.get("mchid") != mchid:
            raise NotificationRefused("notification for another merchant")
        if event_type.startswith("TRANSACTION."):
            tid = str(data["transaction_id"])
            return Notified("pay", f"pay:{tid}", str(data["out_trade_no"]), tid, str(data["trade_state"]),
                            int(data["amount"]["total"]), None, data)
        if event_type.startswith("REFUND."):
            return Notified("refund", f"refund:{data['refund_id']}", str(data["out_trade_no"]),
                            str(data["transaction_id"]), str(data["refund_status"]), int(data["amount"]["refund"]),
                            str(data["out_refund_no"]), data)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, NotificationRefused):
            raise
        raise NotificationRefused(f"notification lacks {exc}") from exc
    raise NotificationRefused(f"unknown event_type {event_type[:40]!r}")


def store(engine: Engine, n: Notified) -> tuple[int, bool]:
    """(order id, whether it was new). Raises NotificationRefused for an order not ours or not as asked."""
    with Session(engine) as session, session.begin():
        begin_as_writer(session)  # read, then write: SQLite's write lock first, so it waits instead of failing
        order = session.execute(select(MoneyOrder).where(MoneyOrder.order_no == n.out_trade_no[:32],
                                                         MoneyOrder.kind == KIND)).scalar()
        if order is None:
            raise NotificationRefused("notification for an unknown order")
        if n.amount_fen != order.amount_fen:
            raise NotificationRefused(f"notified amount {n.amount_fen} differs from the order's {order.amount_fen}")
        if n.kind == "refund" and n.out_refund_no != f"{order.order_no}R":
            raise NotificationRefused("notification for a refund we did not ask for")
        now = utcnow()
        inserted = session.execute(
            dialect_insert(engine.dialect.name, WeChatPayNotification)
            .values(dedup_key=n.dedup_key[:80], kind=n.kind, order_id=order.id, out_trade_no=n.out_trade_no,
                    transaction_id=n.transaction_id[:64], out_refund_no=n.out_refund_no, state=n.state[:16],
                    amount_fen=n.amount_fen, resource=n.resource, received_at=now)
            .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(WeChatPayNotification.id)).scalar()
        if inserted is None:
            return order.id, False
        session.execute(update(MoneyOutbox).where(MoneyOutbox.order_id == order.id, MoneyOutbox.status == "pending")
                        .values(next_attempt_at=now))
        return order.id, True
