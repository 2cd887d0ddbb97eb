"""Broadcasts: one article pushed to every bound follower who has not sent 退订.

Planned in pages (one delivery row per recipient, each page committed then enqueued as one chunk
on the notify queue), so tens of thousands of recipients never sit in one transaction or one
message. Each row is claimed before it is sent and records its outcome: a redelivered chunk sends
nothing twice, and the progress is a count over the rows.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dramatiq
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from events.topics import Topic
from store.db import retry_locked, rowcount, upsert_insert
from store.tables import Article, Binding, Broadcast, BroadcastDelivery, Follower, NotificationOptOut
from store.uow import UowFactory

log = logging.getLogger("onecard.broadcast")

CHUNK = 500
CLAIM_LEASE = timedelta(minutes=5)


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
    def percent(self) -> int:
        return 100 if not self.total else (self.sent + self.failed) * 100 // self.total


def enqueue_notify(broker: dramatiq.Broker, actor: str, *args: object) -> None:
    broker.enqueue(dramatiq.Message(queue_name=Topic.NOTIFY.value, actor_name=actor, args=args, kwargs={},
                                    options={}))


def start_broadcast(uow_factory: UowFactory, broker: dramatiq.Broker, article_id: int, operator: str) -> int:
    """Queue a push of a published article to every subscriber (back-office). Returns the broadcast id."""
    broadcast_id = retry_locked(lambda: _create(uow_factory, broker, article_id, operator))
    log.info("broadcast %s of article %s started by %s", broadcast_id, article_id, operator)
    return broadcast_id


def _create(uow_factory: UowFactory, broker: dramatiq.Broker, article_id: int, operator: str) -> int:
    with uow_factory() as uow:
        article = uow.session.get(Article, article_id)
        if article is None or article.status not in ("published", "pushed"):
            raise ValueError(f"article {article_id} is not published")
        broadcast = Broadcast(article_id=article_id, status="queued", total=0, created_by=operator,
                              created_at=datetime.now(UTC))
        uow.session.add(broadcast)
        uow.session.flush()
        broadcast_id = broadcast.id
        uow.after_commit(lambda: enqueue_notify(broker, "plan_broadcast", broadcast_id))
        uow.commit()
    return broadcast_id


def plan(uow_factory: UowFactory, broker: dramatiq.Broker, broadcast_id: int) -> int:
    """Write the delivery rows page by page and enqueue each page; returns the recipients planned."""
    after: str | None = ""
    while after is not None:
        after = retry_locked(functools.partial(_plan_page, uow_factory, broker, broadcast_id, after))
    return retry_locked(lambda: _planned(uow_factory, broadcast_id))


def _plan_page(uow_factory: UowFactory, broker: dramatiq.Broker, broadcast_id: int, after: str) -> str | None:
    """One page of recipients after `after` (by openid): rows written, chunk enqueued; None at the end."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(Binding.openid, Follower)
            .join(Follower, Follower.openid == Binding.openid)
            .outerjoin(NotificationOptOut, NotificationOptOut.openid == Binding.openid)
            .where(Follower.subscribed.is_(True), NotificationOptOut.openid.is_(None), Binding.openid > after)
            .order_by(Binding.openid).limit(CHUNK)
        ).all()
        if not rows:
            return None
        values = [{"broadcast_id": broadcast_id, "openid": openid, "status": "pending", "updated_at": now,
                   "channel": "template"} for openid, follower in rows]
        uow.session.execute(upsert_insert(uow.session, BroadcastDelivery).values(values)
                            .on_conflict_do_nothing(index_elements=["broadcast_id", "openid"]))
        first, last = rows[0][0], rows[-1][0]
        uow.after_commit(lambda: enqueue_notify(broker, "send_broadcast_chunk", broadcast_id, first, last))
        uow.commit()
        return str(last)


def _planned(uow_factory: UowFactory, broadcast_id: int) -> int:
    with uow_factory() as uow:
        total = _count(uow.session, broadcast_id)
        uow.session.execute(update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "queued")
                            .values(status="sending", total=total))
        _maybe_finish(uow.session, broadcast_id)
        uow.commit()
    return total


def _count(session: Session, broadcast_id: int) -> int:
    return int(session.execute(select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast_id)).scalar_one())


def finish_if_complete(uow_factory: UowFactory, broadcast_id: int) -> None:
    def work() -> None:
        with uow_factory() as uow:
            _maybe_finish(uow.session, broadcast_id)
            uow.commit()

    retry_locked(work)


def _maybe_finish(session: Session, broadcast_id: int) -> None:
    open_rows = session.execute(select(func.count()).where(
        BroadcastDelivery.broadcast_id == broadcast_id,
        BroadcastDelivery.status.in_(("pending", "sending")))).scalar_one()
    if open_rows:
        return
    done = session.execute(update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
                           .values(status="done", finished_at=datetime.now(UTC)))
    if rowcount(done):
        article_id = session.execute(select(Broadcast.article_id).where(Broadcast.id == broadcast_id)).scalar_one()
        session.execute(update(Article).where(Article.id == article_id).values(status="pushed"))


def broadcast_progress(uow_factory: UowFactory, broadcast_id: int) -> Progress:
    """How far a broadcast got (back-office): one grouped count over its delivery rows."""
    with uow_factory() as uow:
        broadcast = uow.session.get(Broadcast, broadcast_id)
        if broadcast is None:
            raise LookupError(f"no broadcast {broadcast_id}")
        counts: dict[str, int] = {}
        channels: dict[str, int] = {}
        for status, channel, n in uow.session.execute(
            select(BroadcastDelivery.status, BroadcastDelivery.channel, func.count())
            .where(BroadcastDelivery.broadcast_id == broadcast_id)
            .group_by(BroadcastDelivery.status, BroadcastDelivery.channel)
        ).all():
            counts[status] = counts.get(status, 0) + n
            if status == "sent":
                channels[channel] = channels.get(channel, 0) + n
        total = sum(counts.values())
        return Progress(broadcast_id, broadcast.status, total, counts.get("pending", 0) + counts.get("sending", 0),
                        counts.get("sent", 0), counts.get("failed", 0), channels)
