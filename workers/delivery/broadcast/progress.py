"""How far a broadcast got, read from the outbound messages its delivery rows link: sent, failed for
good, or still to go. The reply worker sends them without knowing the broadcast, so whoever first
sees none left to go (the progress page, the scheduler's resume, the planner) records it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from store.db import retry_locked, rowcount
from store.outbound import NO_TEMPLATE
from store.tables import Article, Broadcast, BroadcastDelivery, OutboundMessage
from store.uow import UowFactory

#: A recipient's message still to go: not recorded yet, waiting, being sent, or waiting for a template.
#: Any other outcome but `sent` is final (`store.outbound.FINAL_STATUSES`).
TO_GO = frozenset({"pending", "planned", "sending", NO_TEMPLATE})

_LINKED = OutboundMessage.id == BroadcastDelivery.outbound_id
#: A recipient's outcome and channel: its message's, or the row's own for one sent before 0013.
_OUTCOME: ColumnElement[str] = func.coalesce(OutboundMessage.status, BroadcastDelivery.status)
_CHANNEL: ColumnElement[str] = func.coalesce(OutboundMessage.channel, BroadcastDelivery.channel)


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast_id: int
    status: str
    total: int
    pending: int
    sent: int
    failed: int
    by_channel: dict[str, int]

    @property
    def percent(self) -> int | None:
        """How much of the push is behind it; None while its recipients are still being counted (the
        bar is then indeterminate: no count yet is not "all of none sent")."""
        if self.status == "queued":
            return None
        return 100 if not self.total else (self.sent + self.failed) * 100 // self.total


@dataclass(frozen=True, slots=True)
class Recipient:
    """One recipient as the progress page lists it."""

    openid: str
    channel: str
    #: pending | sending | sent | failed (`backoffice.statuses.DELIVERY`)
    status: str
    error: str | None
    updated_at: datetime | None


def state(outcome: str) -> str:
    """A message's status as a recipient's state."""
    if outcome in ("sent", "sending"):
        return outcome
    return "pending" if outcome in TO_GO else "failed"


def broadcast_progress(uow_factory: UowFactory, broadcast_id: int) -> Progress:
    """How far a broadcast got (back-office): one grouped count over its recipients' messages."""
    def read() -> Progress:
        with uow_factory() as uow:
            broadcast = uow.session.get(Broadcast, broadcast_id)
            if broadcast is None:
                raise LookupError(f"no broadcast {broadcast_id}")
            counts = {"pending": 0, "sent": 0, "failed": 0}
            channels: dict[str, int] = {}
            for outcome, channel, n in uow.session.execute(
                    select(_OUTCOME, _CHANNEL, func.count()).select_from(BroadcastDelivery)
                    .outerjoin(OutboundMessage, _LINKED).where(BroadcastDelivery.broadcast_id == broadcast_id)
                    .group_by(_OUTCOME, _CHANNEL)).all():
                seen = "pending" if state(outcome) == "sending" else state(outcome)
                counts[seen] += n
                if seen == "sent":
                    channels[channel] = channels.get(channel, 0) + n
            status = broadcast.status
            if status == "sending" and not counts["pending"] and finish_if_done(uow.session, broadcast_id):
                uow.commit()
                status = "done"
            return Progress(broadcast_id, status, sum(counts.values()), counts["pending"], counts["sent"],
                            counts["failed"], channels)

    return retry_locked(read)


def finish_if_done(session: Session, broadcast_id: int) -> bool:
    """Record a sending broadcast done (and its article pushed) once no message is left to go; True if now."""
    left = session.execute(
        select(func.count()).select_from(BroadcastDelivery).outerjoin(OutboundMessage, _LINKED)
        .where(BroadcastDelivery.broadcast_id == broadcast_id, _OUTCOME.in_(TO_GO))).scalar_one()
    if left:
        return False
    done = session.execute(update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
                           .values(status="done", finished_at=datetime.now(UTC)))
    if not rowcount(done):
        return False
    article_id = session.execute(select(Broadcast.article_id).where(Broadcast.id == broadcast_id)).scalar_one()
    session.execute(update(Article).where(Article.id == article_id).values(status="pushed"))
    return True


def recipients(session: Session, broadcast_id: int, limit: int) -> list[Recipient]:
    """The broadcast's first `limit` recipients (in the order they were planned) and what became of each."""
    rows = session.execute(
        select(BroadcastDelivery.openid, _CHANNEL, _OUTCOME,
               func.coalesce(OutboundMessage.last_error, BroadcastDelivery.error),
               func.coalesce(OutboundMessage.sent_at, BroadcastDelivery.updated_at))
        .select_from(BroadcastDelivery).outerjoin(OutboundMessage, _LINKED)
        .where(BroadcastDelivery.broadcast_id == broadcast_id).order_by(BroadcastDelivery.id).limit(limit)).all()
    return [Recipient(openid, channel, state(outcome), error, at) for openid, channel, outcome, error, at in rows]
