"""Outbound messages (replies, notices and SMS): recorded with their cause, sent once, every outcome kept."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from store.db import begin_as_writer, json_rows, json_rows_insert, single_statement
from store.tables import OutboundMessage, table_of, utcnow

#: `superseded`: a later reply to the same event said it all before this one left (see `supersede_earlier`);
#: `no_grant`: a reply WeChat would refuse (no customer-service grant left), so never attempted.
FINAL_STATUSES = frozenset({"sent", "undeliverable", "failed", "expired", "superseded", "no_grant"})
#: A notice whose kind has no usable template yet: tried again by the sweeper (`stuck`) until it has one.
NO_TEMPLATE = "no_template"


@dataclass(frozen=True, slots=True)
class Message:
    """A message to record: how it goes, to whom, what it says, and for a notice its template form."""

    channel: str
    recipient: str
    body: str
    #: The last moment it may be sent (a customer-service message's grant); None: any time.
    expires_at: datetime | None = None
    #: A notice's `Notice.to_json()`; None: a reply or an SMS.
    notice: dict[str, Any] | None = None
    #: `pending`, or `no_grant` for a reply recorded only to show it was not sent.
    status: str = "pending"
    #: Not sent before then (a spending batch still collecting swipes); None: due now.
    held_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message taken for sending: what the sender needs, read in the claiming statement itself."""

    id: int
    channel: str
    recipient: str
    body: str
    attempts: int
    expires_at: datetime | None
    notice: dict[str, Any] | None


def add(session: Session, message: Message, *, event_id: int | None = None, seq: int = 0) -> OutboundMessage:
    """Record a message to send in the caller's transaction, so it exists exactly when its cause does."""
    row = OutboundMessage(**_new_row(event_id, seq, message, utcnow()))
    session.add(row)
    return row


def _new_row(event_id: int | None, seq: int, message: Message, now: datetime) -> dict[str, object]:
    """A message waiting to be sent: what `add`, `add_replies` and `add_many` all record."""
    return {"event_id": event_id, "seq": seq, "channel": message.channel, "recipient": message.recipient,
            "body": message.body, "notice": message.notice, "status": message.status, "attempts": 0,
            "created_at": now, "expires_at": message.expires_at, "claimed_until": message.held_until}


_TABLE = table_of(OutboundMessage)
_T = _TABLE.c

_ADD = insert(_TABLE).returning(_T.id, _T.channel, _T.status, sort_by_parameter_order=True)
#: PostgreSQL: the rows as one JSON document (`json_rows_insert`); ids grow in the rows' order.
_PG_ADD = json_rows_insert(
    _TABLE.name,
    (("event_id", "bigint"), ("seq", "integer"), ("channel", "text"), ("recipient", "text"), ("body", "text"),
     ("notice", "json"), ("status", "text"), ("attempts", "integer"), ("created_at", "timestamptz"),
     ("expires_at", "timestamptz"), ("claimed_until", "timestamptz")),
    "RETURNING id, channel, status")


def _insert(session: Session, rows: list[dict[str, object]]) -> list[tuple[int, str]]:
    """Insert the rows by one statement: the (id, channel) of those to send, in the rows' order."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        added = sorted(tuple(row) for row in session.execute(_PG_ADD, json_rows(rows)))
    else:
        added = [tuple(row) for row in session.execute(_ADD, rows)]
    return [(int(oid), str(channel)) for oid, channel, status in added if status == "pending"]


def add_replies(session: Session, replies: Mapping[int, Sequence[Message]]) -> list[tuple[int, str]]:
    """The turns' messages by event, in order: the (id, channel) of those to send.

    `add` for the dispatcher, which records the replies of every turn of a group at once: one
    statement built once.
    """
    now = utcnow()
    return _insert(session, [_new_row(event_id, seq, message, now)
                             for event_id, said in replies.items() for seq, message in enumerate(said)])


def add_many(session: Session, messages: Sequence[Message]) -> list[int]:
    """Messages not answering a turn, recorded by one statement: the ids of those to send, in order."""
    now = utcnow()
    return [oid for oid, _ in _insert(session, [_new_row(None, 0, message, now) for message in messages])]


# Built once: the reply worker runs these for every message it sends, so SQLAlchemy compiles them
# once and nothing about an ORM session is paid for on that path.
_CLAIM = (
    update(_TABLE)
    .where(_T.id.in_(bindparam("oids", expanding=True)),
           or_(_T.status.in_(("pending", NO_TEMPLATE)),
               (_T.status == "sending") & (_T.claimed_until < bindparam("now"))))
    .values(status="sending", claimed_until=bindparam("lease_until"), attempts=_T.attempts + 1)
    .returning(_T.id, _T.channel, _T.recipient, _T.body, _T.attempts, _T.expires_at, _T.notice)
)
_FINISH = (
    update(_TABLE)
    .where(_T.id.in_(bindparam("oids", expanding=True)))
    .values(status=bindparam("new_status"), last_error=bindparam("error"), claimed_until=None)
)
_FINISH_SENT = _FINISH.values(sent_at=bindparam("at"))


def claim(engine: Engine, outbound_ids: Sequence[int], lease: timedelta) -> list[Claimed]:
    """Take the messages for sending for `lease`: those not final and not held by another sender.

    The conditional UPDATE is the lock: two deliveries of the same broker message cannot both win.
    """
    now = utcnow()
    with single_statement(engine) as conn:
        rows = conn.execute(_CLAIM, {"oids": list(outbound_ids), "now": now, "lease_until": now + lease}).all()
    return sorted((Claimed(r.id, r.channel, r.recipient, r.body, r.attempts, r.expires_at, r.notice) for r in rows),
                  key=lambda c: c.id)


def finish(engine: Engine, outbound_ids: Sequence[int], status: str, error: str | None = None) -> None:
    """Record the outcome of sends (or `pending` again to let a retry have them)."""
    if not outbound_ids:
        return
    params: dict[str, object] = {"oids": list(outbound_ids), "new_status": status, "error": error}
    if status == "sent":
        params["at"] = utcnow()
    with single_statement(engine) as conn:
        conn.execute(_FINISH_SENT if status == "sent" else _FINISH, params)


_REROUTE = update(_TABLE).where(_T.id == bindparam("oid")).values(channel=bindparam("to"))
_HOLD = (update(_TABLE).where(_T.id.in_(bindparam("oids", expanding=True)))
         .values(status=NO_TEMPLATE, last_error=bindparam("error"), claimed_until=bindparam("until")))


def reroute(engine: Engine, outbound_id: int, channel: str) -> None:
    """A notice goes by another channel from now on (its template, once its grant is gone): recorded
    before that send, so a retry after a crash uses it too and the student never gets both."""
    with single_statement(engine) as conn:
        conn.execute(_REROUTE, {"oid": outbound_id, "to": channel})


def hold(engine: Engine, outbound_ids: Sequence[int], until: datetime, error: str) -> None:
    """Keep notices that cannot go yet (no template for their kind) until `until`: the sweeper offers
    them again then, so one chosen on the 模板消息 page meanwhile still reaches the student."""
    if outbound_ids:
        with single_statement(engine) as conn:
            conn.execute(_HOLD, {"oids": list(outbound_ids), "until": until, "error": error})


def supersede_earlier(session: Session, event_id: int, seq: int, channel: str = "wechat") -> list[int]:
    """Drop the event's replies before `seq` that no sender has taken yet: the later one says it all.

    So an interim "正在处理" never arrives after the result it announces. Returns the earlier replies
    already being sent: the caller sends the later one only after they are done (`wait_until_done`).
    """
    earlier = ((OutboundMessage.event_id == event_id) & (OutboundMessage.channel == channel)
               & (OutboundMessage.seq < seq))
    session.execute(update(OutboundMessage).where(earlier, OutboundMessage.status == "pending")
                    .values(status="superseded", last_error="a later reply to the same message replaced it"))
    return list(session.execute(select(OutboundMessage.id).where(earlier, OutboundMessage.status == "sending"))
                .scalars())


def wait_until_done(engine: Engine, outbound_ids: Sequence[int], timeout: float, poll: float = 0.02) -> bool:
    """Wait (at most `timeout` seconds) until none of these is `sending` any more; True if so."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            busy = session.execute(select(OutboundMessage.id).where(
                OutboundMessage.id.in_(list(outbound_ids)), OutboundMessage.status == "sending")).first()
        if busy is None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)


def stuck(engine: Engine, older_than: timedelta, limit: int = 500) -> list[tuple[int, str]]:
    """Pending messages nobody sent in time, and sends whose lease ran out: (id, channel).

    Each one returned is not returned again for another `older_than`, so a long queue is not
    flooded with copies while it drains.
    """
    now = utcnow()
    due = or_(OutboundMessage.claimed_until.is_(None), OutboundMessage.claimed_until < now)
    stale = or_(
        (OutboundMessage.status == "pending") & (OutboundMessage.created_at < now - older_than) & due,
        (OutboundMessage.status == "sending") & (OutboundMessage.claimed_until < now),
        (OutboundMessage.status == NO_TEMPLATE) & (OutboundMessage.claimed_until < now),
    )
    with Session(engine) as session, session.begin():
        begin_as_writer(session)  # read, then write: SQLite's write lock first, so it waits instead of failing
        ids = session.execute(
            select(OutboundMessage.id).where(stale).order_by(OutboundMessage.id).limit(limit)
        ).scalars().all()
        if not ids:
            return []
        # The condition again: a reply worker may have claimed, or even sent, one of them since
        # the SELECT; resetting it to `pending` would send it twice (seen under load in the
        # reliability suite). Only the rows actually reset are handed back.
        rows = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(ids), stale)
            .values(status="pending", claimed_until=now + older_than)
            .returning(OutboundMessage.id, OutboundMessage.channel)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted((row.id, row.channel) for row in rows)
