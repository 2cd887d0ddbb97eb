"""The inbox: each event from outside stored once, keyed by its identity at its source — a WeChat
callback (`InboundMessage`), a card-system transaction (`CardTransaction`) or a WeChat Pay
notification (`PaymentNotice`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from events.card_events import CardTransaction
from events.messages import InboundMessage
from events.payment_notices import PaymentNotice
from store.db import begin_as_writer, dialect_insert, json_rows, json_rows_insert, rowcount, single_statement
from store.tables import InboxEvent, table_of, utcnow

#: After this many sweeps an event is left for an operator (it keeps failing in its handler).
MAX_REDELIVERIES = 20


#: Where an inbox event came from (`InboxEvent.source`).
WECHAT, CARD, WECHATPAY = "wechat", "card", "wechatpay"
#: What the inbox stores: a WeChat callback, a card transaction or a WeChat Pay notification.
Inbound = InboundMessage | CardTransaction | PaymentNotice


def store_key(item: Inbound) -> str:
    """The inbox's unique key: the item's identity at its source, bounded to the column."""
    if isinstance(item, CardTransaction):  # the card system's event id is the whole identity
        return f"c:{item.event_id}"
    if isinstance(item, PaymentNotice):  # WeChat Pay's transaction or refund id, bounded as WeChatPayNotification's
        return f"wxpay:{item.dedup_key[:80]}"
    key = item.dedup_key()
    if len(key) > 255:  # hostile or odd EventKeys: keep the identity, bound the size
        key = key[:200] + "#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _row(item: Inbound, topic: str | None) -> dict[str, object]:
    now = utcnow()
    row: dict[str, object] = {
        "dedup_key": store_key(item), "source": WECHAT, "openid": None, "msg_type": None, "msg_id": None,
        "event": None, "event_key": None, "content": None, "topic": topic,
        "status": "received" if topic else "ignored", "received_at": now, "redeliveries": 0,
    }
    if isinstance(item, CardTransaction):
        row.update(source=CARD, payload=item.payload(), create_time=int(item.occurred_at.timestamp()))
        return row
    if isinstance(item, PaymentNotice):  # received now: the resource's own times are WeChat Pay's
        row.update(source=WECHATPAY, payload=item.payload(), create_time=int(now.timestamp()))
        return row
    row.update(openid=item.from_user[:64], msg_type=item.msg_type[:32],
               msg_id=item.msg_id[:32] if item.msg_id else None, event=item.event[:64] if item.event else None,
               event_key=item.event_key, content=item.content, payload=item.fields, create_time=item.create_time)
    return row


#: SQLite: one statement object, so SQLAlchemy compiles it once, not once per batch size; executed
#: with a list of rows, SQLAlchemy's "insertmanyvalues" sends them as one multi-row INSERT.
_SQLITE_INSERT = (
    dialect_insert("sqlite", InboxEvent)
    .on_conflict_do_nothing(index_elements=["dedup_key"])
    .returning(InboxEvent.id, InboxEvent.dedup_key)
)


#: PostgreSQL: the batch as one JSON document (`json_rows_insert`).
_PG_INSERT = json_rows_insert(
    InboxEvent.__tablename__,
    (("dedup_key", "text"), ("source", "text"), ("openid", "text"), ("msg_type", "text"), ("msg_id", "text"),
     ("event", "text"), ("event_key", "text"), ("content", "text"), ("payload", "json"), ("create_time", "bigint"),
     ("topic", "text"), ("status", "text"), ("received_at", "timestamptz"), ("redeliveries", "integer")),
    "ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key")


def store_once(engine: Engine, item: Inbound, topic: str | None) -> int | None:
    """Insert the item unless its key is already there; the new row's id, or None for a repeat.

    One statement, one commit: this sits on the ingress hot path.
    """
    return store_many(engine, [(item, topic)])[0]


def store_many(engine: Engine, items: Sequence[tuple[Inbound, str | None]]) -> list[int | None]:
    """`store_once` for several callbacks in one statement (one commit, one fsync, one lock).

    The ingress groups the callbacks that arrive together: the commit is what a callback costs.
    One INSERT, a transaction by itself (on SQLite the ingress's batches stay under SQLAlchemy's
    1,000-row insertmanyvalues page, so it is never split); RETURNING names the keys that were
    new, in any order.
    """
    rows = [_row(item, topic) for item, topic in items]
    with single_statement(engine) as conn:
        if engine.dialect.name == "postgresql":
            result = conn.execute(_PG_INSERT, json_rows(rows))
        else:
            result = conn.execute(_SQLITE_INSERT, rows)
        inserted = {key: event_id for event_id, key in result}
    # pop: of two callbacks with the same key in one batch, only the first is new.
    return [inserted.pop(str(row["dedup_key"]), None) for row in rows]


def claim_unprocessed(engine: Engine, older_than: timedelta, limit: int = 500) -> list[tuple[int, str]]:
    """Events stored but still unprocessed after `older_than`: (id, topic) to enqueue again.

    Marks each as redelivered now, so the next sweep waits another `older_than` for it.
    """
    now = utcnow()
    cutoff: datetime = now - older_than
    with Session(engine) as session, session.begin():
        begin_as_writer(session)  # read, then write: SQLite's write lock first, so it waits instead of failing
        rows = session.execute(
            select(InboxEvent.id, InboxEvent.topic)
            .where(
                InboxEvent.status == "received",
                InboxEvent.received_at < cutoff,
                InboxEvent.redeliveries < MAX_REDELIVERIES,
                or_(InboxEvent.redelivered_at.is_(None), InboxEvent.redelivered_at < cutoff),
            )
            .order_by(InboxEvent.id)
            .limit(limit)
        ).all()
        ids = [row.id for row in rows]
        if ids:
            session.execute(
                update(InboxEvent)
                .where(and_(InboxEvent.id.in_(ids), InboxEvent.status == "received"))
                .values(redelivered_at=now, redeliveries=InboxEvent.redeliveries + 1)
            )
        return [(row.id, row.topic) for row in rows if row.topic]


_INBOX = table_of(InboxEvent)
_MARK_PROCESSED = (
    update(_INBOX)
    .where(_INBOX.c.id.in_(bindparam("event_ids", expanding=True)), _INBOX.c.status == "received")
    .values(status="processed", processed_at=bindparam("at"))
)


def mark_processed(session: Session, event_ids: Sequence[int]) -> bool:
    """Claim the events for this transaction; False if another delivery already processed any of them.

    A table-level statement built once: every event runs it, and the ORM's bulk-update machinery
    (synchronising loaded objects) would cost more than the statement itself.
    """
    result = session.execute(_MARK_PROCESSED, {"event_ids": list(event_ids), "at": utcnow()})
    return rowcount(result) == len(event_ids)
