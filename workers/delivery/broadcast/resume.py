"""The broadcasts' sweeper: the broker may lose a plan or chunk message; the delivery rows may not.

Broadcasts still queued long after they were started are planned again, and pages whose rows sat
pending too long are enqueued again. Both are idempotent (unique rows, claimed sends).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dramatiq
from sqlalchemy import select

from store.tables import Broadcast, BroadcastDelivery
from store.uow import UowFactory
from workers.delivery.broadcast.plan import CHUNK, enqueue_notify

STALE_AFTER = timedelta(minutes=10)


def resume_stalled_broadcasts(uow_factory: UowFactory, broker: dramatiq.Broker,
                              older_than: timedelta = STALE_AFTER) -> int:
    """Enqueue again what a lost message left behind; returns how many messages were enqueued."""
    cutoff = datetime.now(UTC) - older_than
    enqueued = 0
    with uow_factory() as uow:
        queued = uow.session.execute(select(Broadcast.id).where(Broadcast.status == "queued",
                                                                Broadcast.created_at < cutoff)).scalars().all()
        stale = uow.session.execute(
            select(BroadcastDelivery.broadcast_id, BroadcastDelivery.openid)
            .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
            .where(Broadcast.status == "sending", BroadcastDelivery.status == "pending",
                   BroadcastDelivery.updated_at < cutoff)
            .order_by(BroadcastDelivery.broadcast_id, BroadcastDelivery.openid).limit(CHUNK * 20)
        ).all()
    for broadcast_id in queued:
        enqueue_notify(broker, "plan_broadcast", broadcast_id)
        enqueued += 1
    pages: dict[int, list[str]] = {}
    for broadcast_id, openid in stale:
        pages.setdefault(broadcast_id, []).append(openid)
    for broadcast_id, openids in pages.items():
        for start in range(0, len(openids), CHUNK):
            page = openids[start:start + CHUNK]
            enqueue_notify(broker, "send_broadcast_chunk", broadcast_id, page[0], page[-1])
            enqueued += 1
    return enqueued
