"""Sending one page of a broadcast: claim each delivery row, send it, record what became of it.

A row is claimed (pending -> sending) before its send, so a redelivered chunk skips what was sent;
a claim left by a crashed worker expires after `CLAIM_LEASE`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from adapters.wechat.port import Undeliverable, WeChatApi
from events.errors import PermanentError, TransientError
from store.db import rowcount
from store.tables import Article, Broadcast, BroadcastDelivery
from store.uow import UowFactory
from workers.delivery.broadcast.plan import finish_if_complete
from workers.text.format import page_link
from workers.text.plain import plain_text, shorten
from workers.topics.guide import KINDS

CLAIM_LEASE = timedelta(minutes=5)
#: A customer-service message refused for these reasons may still go as a template.
TEMPLATE_FALLBACK = frozenset({45015, 45047})


def message_of(article: Article, web_url: str = "") -> tuple[str, str]:
    """(title, text) of the push: plain text, short enough for a phone screen, ending with a link to the
    whole article."""
    title = f"{KINDS.get(article.kind, '通知')}：{article.title}"
    return title, f"【{title}】\n{shorten(plain_text(article.body), 300)}" + page_link(
        web_url, article_path(article.id), "阅读全文")


def article_path(article_id: int) -> str:
    """The article's page inside WeChat (pages/articles.py)."""
    return f"/m/articles/{article_id}"


def send_chunk(uow_factory: UowFactory, wechat: WeChatApi, template_id: str, broadcast_id: int, first: str,
               last: str, web_url: str = "") -> int:
    """Send the pending deliveries of one page; returns how many were sent now."""
    with uow_factory() as uow:
        broadcast = uow.session.get(Broadcast, broadcast_id)
        article = uow.session.get(Article, broadcast.article_id) if broadcast else None
        if broadcast is None or article is None:
            raise PermanentError(f"broadcast {broadcast_id} is gone")
        title, text = message_of(article, web_url)
        url = f"{web_url}{article_path(article.id)}" if web_url else None
        ids = uow.session.execute(
            select(BroadcastDelivery.id).where(
                BroadcastDelivery.broadcast_id == broadcast_id, BroadcastDelivery.openid >= first,
                BroadcastDelivery.openid <= last, BroadcastDelivery.status.in_(("pending", "sending")))
            .order_by(BroadcastDelivery.openid)).scalars().all()
    sent = 0
    for delivery_id in ids:
        sent += _send_one(uow_factory, wechat, template_id, delivery_id, title, text, url)
    finish_if_complete(uow_factory, broadcast_id)
    return sent


def _set(uow_factory: UowFactory, delivery_id: int, **values: object) -> None:
    with uow_factory() as uow:
        uow.session.execute(update(BroadcastDelivery).where(BroadcastDelivery.id == delivery_id)
                            .values(updated_at=datetime.now(UTC), **values))
        uow.commit()


def _send_one(uow_factory: UowFactory, wechat: WeChatApi, template_id: str, delivery_id: int, title: str,
              text: str, url: str | None = None) -> int:
    now = datetime.now(UTC)
    with uow_factory() as uow:
        claimed = uow.session.execute(
            update(BroadcastDelivery)
            .where(BroadcastDelivery.id == delivery_id,
                   (BroadcastDelivery.status == "pending")
                   | ((BroadcastDelivery.status == "sending") & (BroadcastDelivery.updated_at < now - CLAIM_LEASE)))
            .values(status="sending", updated_at=now))
        row = uow.session.get(BroadcastDelivery, delivery_id)
        uow.commit()
    if not rowcount(claimed) or row is None:
        return 0
    channel = row.channel
    try:
        channel = _deliver(wechat, row.openid, channel, title, text, template_id, url)
    except TransientError:
        _set(uow_factory, delivery_id, status="pending")
        raise
    except PermanentError as exc:
        _set(uow_factory, delivery_id, status="failed", error=str(exc)[:500])
        return 0
    _set(uow_factory, delivery_id, status="sent", channel=channel, error=None)
    return 1


def _deliver(wechat: WeChatApi, openid: str, channel: str, title: str, text: str, template_id: str,
             url: str | None = None) -> str:
    """Send by `channel`; a customer-service refusal for the window falls back to the template."""
    if channel == "custom":
        try:
            wechat.send_text(openid, text)
            return "custom"
        except Undeliverable as exc:
            if exc.errcode not in TEMPLATE_FALLBACK:
                raise
    wechat.send_template(openid, template_id, {"thing1": {"value": title[:20]}}, url)  # replaced by the notices
    return "template"
