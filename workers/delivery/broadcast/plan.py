"""Broadcasts: one article pushed to every bound follower who has not sent 退订.

Planned in pages: each page of recipients gets its delivery rows and, in the same transaction, an
ANNOUNCEMENT notice each, recorded by the one planner (`workers.delivery.outgoing`: a customer-service
message within the follower's grant, the template otherwise) and linked to its delivery row; the
reply worker gets the page's messages once it commits. So tens of thousands of recipients never sit
in one transaction or one broker message, and a redelivered plan records nothing twice: a delivery
row is planned by the one transaction that moves it from `pending` to `planned`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import dramatiq
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from events.errors import PermanentError
from events.notices import Notice
from events.topics import Topic
from store import outbound
from store.db import retry_locked, upsert_insert
from store.tables import Article, Binding, Broadcast, BroadcastDelivery, Follower, NotificationOptOut, table_of
from store.uow import UowFactory
from workers.delivery.broadcast.announcement import notice_of
from workers.delivery.broadcast.progress import finish_if_done
from workers.delivery.outgoing import notices

log = logging.getLogger("onecard.broadcast")

CHUNK = 500
#: Delivery rows not planned yet: new ones, and those a broadcast of before 0013 (which sent them
#: itself) left pending or `sending` (the outcome unknown: tried again, as its sender did after a lease).
UNPLANNED = ("pending", "sending")

_D = table_of(BroadcastDelivery).c
_LINK = (update(table_of(BroadcastDelivery)).where(_D.id == bindparam("did"))
         .values(outbound_id=bindparam("oid"), channel=bindparam("by")))

DeliverMany = Callable[[list[tuple[int, str]]], None]


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


def plan(uow_factory: UowFactory, deliver_many: DeliverMany, broadcast_id: int, web_url: str = "") -> int:
    """Record the broadcast's messages page by page, each page handed to the reply worker once it
    commits; returns the recipients planned. Recipients are listed while the broadcast is `queued`;
    once `sending`, a plan only records what a page left unplanned (see `resume`)."""
    with uow_factory() as uow:
        broadcast = uow.session.get(Broadcast, broadcast_id)
        article = uow.session.get(Article, broadcast.article_id) if broadcast else None
        if broadcast is None or article is None:
            raise PermanentError(f"broadcast {broadcast_id} is gone")
        notice, listing = notice_of(article, web_url), broadcast.status == "queued"
    after: str | None = ""
    while after is not None:
        after = retry_locked(functools.partial(_plan_page, uow_factory, deliver_many, broadcast_id, notice, after,
                                               listing))
    return retry_locked(lambda: _planned(uow_factory, broadcast_id))


def _plan_page(uow_factory: UowFactory, deliver_many: DeliverMany, broadcast_id: int, notice: Notice, after: str,
               listing: bool) -> str | None:
    """The page after `after` (by openid): delivery rows written, messages recorded and linked, handed
    over after the commit; where the next page starts, None at the end."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        session, last = uow.session, None
        if listing:
            recipients = session.execute(
                select(Binding.openid).join(Follower, Follower.openid == Binding.openid)
                .outerjoin(NotificationOptOut, NotificationOptOut.openid == Binding.openid)
                .where(Follower.subscribed.is_(True), NotificationOptOut.openid.is_(None), Binding.openid > after)
                .order_by(Binding.openid).limit(CHUNK)).scalars().all()
            if recipients:
                session.execute(upsert_insert(session, BroadcastDelivery).values([
                    {"broadcast_id": broadcast_id, "openid": openid, "status": "pending", "updated_at": now,
                     "channel": ""} for openid in recipients])  # the planner's channel: set when linked
                    .on_conflict_do_nothing(index_elements=["broadcast_id", "openid"]))
                last = recipients[-1]
        # The page's rows not planned yet (also those a listing of earlier recipients left behind).
        page = (select(BroadcastDelivery.id, BroadcastDelivery.openid).where(
            BroadcastDelivery.broadcast_id == broadcast_id, BroadcastDelivery.outbound_id.is_(None),
            BroadcastDelivery.status.in_(UNPLANNED), BroadcastDelivery.openid > after)
            .order_by(BroadcastDelivery.openid))
        page = page.where(BroadcastDelivery.openid <= last) if last is not None else page.limit(CHUNK)
        unplanned = session.execute(page).all()
        claimed = _claim(session, [row.id for row in unplanned], now)
        sent = _record(session, notice, claimed, now)
        if sent:
            uow.after_commit(lambda: deliver_many(sent))
        uow.commit()
    if last is not None:
        return str(last)
    return str(unplanned[-1].openid) if len(unplanned) == CHUNK else None


def _claim(session: Session, delivery_ids: Sequence[int], now: datetime) -> list[tuple[int, str]]:
    """Take the rows for planning, (id, openid) in openid order: only those still unplanned, so two
    plans of one broadcast at once record each recipient's message once (the UPDATE is the lock)."""
    if not delivery_ids:
        return []
    rows = session.execute(
        update(BroadcastDelivery)
        .where(BroadcastDelivery.id.in_(list(delivery_ids)), BroadcastDelivery.outbound_id.is_(None),
               BroadcastDelivery.status.in_(UNPLANNED))
        .values(status="planned", updated_at=now)
        .returning(BroadcastDelivery.id, BroadcastDelivery.openid)
        .execution_options(synchronize_session=False)).all()
    return sorted(((int(r.id), str(r.openid)) for r in rows), key=lambda r: r[1])


def _record(session: Session, notice: Notice, claimed: list[tuple[int, str]], now: datetime) -> list[tuple[int, str]]:
    """Each claimed recipient's announcement recorded and linked: (outbound id, channel) to send."""
    if not claimed:
        return []
    planned = notices(session, [(openid, notice) for _, openid in claimed], now)
    ids = outbound.add_many(session, planned)  # a notice is always recorded to be sent
    links: list[dict[str, Any]] = [{"did": did, "oid": oid, "by": message.channel}
                                   for (did, _), oid, message in zip(claimed, ids, planned, strict=True)]
    session.execute(_LINK, links)
    return [(link["oid"], link["by"]) for link in links]


def _planned(uow_factory: UowFactory, broadcast_id: int) -> int:
    with uow_factory() as uow:
        total = int(uow.session.execute(select(func.count()).where(
            BroadcastDelivery.broadcast_id == broadcast_id)).scalar_one())
        uow.session.execute(update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "queued")
                            .values(status="sending", total=total))
        finish_if_done(uow.session, broadcast_id)
        uow.commit()
    return total
