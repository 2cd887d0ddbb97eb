"""The broadcasts' sweeper: the broker may lose a plan message or a page's hand-over to the reply
worker; the delivery rows and their outbound messages may not.

Broadcasts still queued long after they were started are planned again; pages whose messages sat
pending too long are handed to the reply worker again (from their outbound rows); a sending broadcast
with recipients not planned yet (left by a broadcast of before 0013) is planned again, which records
only those. All of it is idempotent (delivery rows planned once, messages claimed before they are
sent); a broadcast with nothing left to go is recorded done.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dramatiq
from sqlalchemy import or_, select

from store.db import retry_locked
from store.tables import Broadcast, BroadcastDelivery, OutboundMessage
from store.uow import UowFactory
from workers.delivery.broadcast.plan import CHUNK, UNPLANNED, DeliverMany, enqueue_notify
from workers.delivery.broadcast.progress import finish_if_done

STALE_AFTER = timedelta(minutes=10)


def resume_stalled_broadcasts(uow_factory: UowFactory, broker: dramatiq.Broker, deliver_many: DeliverMany,
                              older_than: timedelta = STALE_AFTER) -> int:
    """Enqueue again what a lost message left behind; how many plans and messages were enqueued."""
    queued, unplanned, stale = retry_locked(lambda: _stalled(uow_factory, older_than))
    for broadcast_id in [*queued, *unplanned]:
        enqueue_notify(broker, "plan_broadcast", broadcast_id)
    if stale:
        deliver_many(stale)
    return len(queued) + len(unplanned) + len(stale)


def _stalled(uow_factory: UowFactory, older_than: timedelta) -> tuple[list[int], list[int], list[tuple[int, str]]]:
    """(broadcasts to list again, broadcasts with recipients to plan again, messages to hand over again);
    the broadcasts with nothing left to go recorded done meanwhile."""
    now = datetime.now(UTC)
    cutoff = now - older_than
    with uow_factory() as uow:
        session = uow.session
        queued = session.execute(select(Broadcast.id).where(Broadcast.status == "queued",
                                                            Broadcast.created_at < cutoff)).scalars().all()
        sending = select(Broadcast.id).where(Broadcast.status == "sending")
        unplanned = session.execute(
            select(BroadcastDelivery.broadcast_id).distinct()
            .where(BroadcastDelivery.broadcast_id.in_(sending), BroadcastDelivery.outbound_id.is_(None),
                   BroadcastDelivery.status.in_(UNPLANNED), BroadcastDelivery.updated_at < cutoff)).scalars().all()
        stale = session.execute(
            select(OutboundMessage.id, OutboundMessage.channel)
            .join(BroadcastDelivery, BroadcastDelivery.outbound_id == OutboundMessage.id)
            .where(BroadcastDelivery.broadcast_id.in_(sending), OutboundMessage.status == "pending",
                   OutboundMessage.created_at < cutoff,
                   or_(OutboundMessage.claimed_until.is_(None), OutboundMessage.claimed_until < now))
            .order_by(OutboundMessage.id).limit(CHUNK * 20)).all()
        if [bid for bid in session.execute(sending).scalars().all() if finish_if_done(session, bid)]:
            uow.commit()
    return list(queued), list(unplanned), [(int(oid), str(channel)) for oid, channel in stale]
