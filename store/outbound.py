"""Outbound messages (replies and SMS): recorded with their cause, sent once, every outcome kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from store.models import OutboundMessage, utcnow

FINAL_STATUSES = frozenset({"sent", "undeliverable", "failed", "expired"})


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    body: str
    attempts: int
    expires_at: datetime | None


def add(
    session: Session,
    *,
    channel: str,
    recipient: str,
    body: str,
    event_id: int | None = None,
    seq: int = 0,
    expires_at: datetime | None = None,
) -> OutboundMessage:
    row = OutboundMessage(
        event_id=event_id, seq=seq, channel=channel, recipient=recipient, body=body,
        status="pending", attempts=0, created_at=utcnow(), expires_at=expires_at,
    )
    session.add(row)
    return row


def claim(engine: Engine, outbound_id: int, lease: timedelta) -> Claimed | None:
    """Take the message for sending for `lease`; None when it is final or another sender holds it.

    The conditional UPDATE is the lock: two deliveries of the same broker message cannot both win.
    """
    now = utcnow()
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == outbound_id,
                or_(
                    OutboundMessage.status == "pending",
                    (OutboundMessage.status == "sending") & (OutboundMessage.claimed_until < now),
                ),
            )
            .values(status="sending", claimed_until=now + lease, attempts=OutboundMessage.attempts + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.get_one(OutboundMessage, outbound_id)
        return Claimed(row.id, row.channel, row.recipient, row.body, row.attempts, row.expires_at)


def finish(engine: Engine, outbound_id: int, status: str, error: str | None = None) -> None:
    """Record the final outcome of a send (or `pending` again to let a retry have it)."""
    values: dict[str, object] = {"status": status, "last_error": error, "claimed_until": None}
    if status == "sent":
        values["sent_at"] = utcnow()
    with Session(engine) as session, session.begin():
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(**values))


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
    )
    with Session(engine) as session, session.begin():
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
