"""What the back-office asks of the services of issue 5 (broadcasts, repair tickets), in one place.

`Services` is the interface the pages call. `LocalServices` is a minimal working implementation over
the shared tables: a push records one outbound WeChat message per bound user and hands each to the
reply worker; a ticket reply or status change notifies the user the same way. At merge, issue 5's
`start_broadcast`, `broadcast_progress`, `reply_to_ticket` and `change_ticket_status` replace the
bodies here and the pages stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from backoffice.notify import notify
from store.models import Article, Binding, Broadcast, BroadcastDelivery, OutboundMessage, RepairTicket, utcnow
from store.uow import UnitOfWork

TICKET_STATUSES = {"open": "待处理", "in_progress": "处理中", "resolved": "已解决", "closed": "已关闭"}


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    sent: int
    failed: int
    pending: int
    status: str


class Services(Protocol):
    def start_broadcast(self, uow: UnitOfWork, article_id: int, operator: str) -> int: ...
    def broadcast_progress(self, uow: UnitOfWork, broadcast_id: int) -> Progress: ...
    def reply_to_ticket(self, uow: UnitOfWork, ticket_id: int, text: str, operator: str) -> None: ...
    def change_ticket_status(self, uow: UnitOfWork, ticket_id: int, status: str, operator: str) -> None: ...


def article_text(article: Article) -> str:
    return f"【{article.title}】\n{article.body}"


class LocalServices:
    """Minimal, working: customer-service messages only (no template-message fallback yet)."""

    def __init__(self, deliver: Callable[[int, str], None]) -> None:
        self.deliver = deliver

    def start_broadcast(self, uow: UnitOfWork, article_id: int, operator: str) -> int:
        session = uow.session
        article = session.get(Article, article_id)
        if article is None:
            raise LookupError(f"文章 {article_id}")
        if article.status != "published":
            raise ValueError("只能推送已发布的文章")
        openids = list(session.execute(select(Binding.openid).order_by(Binding.openid)).scalars())
        broadcast = Broadcast(article_id=article_id, status="sending", total=len(openids), created_by=operator,
                              created_at=utcnow())
        session.add(broadcast)
        session.flush()
        text = article_text(article)
        for openid in openids:
            delivery = BroadcastDelivery(broadcast_id=broadcast.id, openid=openid, channel="custom",
                                         status="pending", updated_at=utcnow())
            session.add(delivery)
            session.flush()
            # seq = the delivery's id ties the outbound row to its delivery until issue 5's engine lands.
            notify(uow, self.deliver, openid, text, seq=delivery.id)
        article.status = "pushed"
        return broadcast.id

    def broadcast_progress(self, uow: UnitOfWork, broadcast_id: int) -> Progress:
        """Bring each delivery up to date with its outbound message, then count."""
        session = uow.session
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast is None:
            raise LookupError(f"推送 {broadcast_id}")
        deliveries = session.execute(
            select(BroadcastDelivery, OutboundMessage)
            .join(OutboundMessage, (OutboundMessage.seq == BroadcastDelivery.id)
                  & (OutboundMessage.recipient == BroadcastDelivery.openid) & OutboundMessage.event_id.is_(None))
            .where(BroadcastDelivery.broadcast_id == broadcast_id)
        ).all()
        for delivery, message in deliveries:
            status = {"sent": "sent", "pending": "pending", "sending": "pending"}.get(message.status, "failed")
            if status != delivery.status:
                delivery.status, delivery.error, delivery.updated_at = status, message.last_error, utcnow()
        counts = {"sent": 0, "failed": 0, "pending": 0}
        for delivery, _ in deliveries:
            counts[delivery.status] += 1
        if counts["pending"] == 0 and broadcast.status != "done":
            broadcast.status, broadcast.finished_at = "done", utcnow()
        return Progress(broadcast.total, counts["sent"], counts["failed"], counts["pending"], broadcast.status)

    def reply_to_ticket(self, uow: UnitOfWork, ticket_id: int, text: str, operator: str) -> None:
        ticket = _ticket(uow, ticket_id)
        ticket.reply = text
        if ticket.status == "open":
            ticket.status = "in_progress"
        ticket.updated_at = utcnow()
        notify(uow, self.deliver, ticket.openid, f"您的报修单 {ticket.ticket_no} 有新回复：\n{text}")

    def change_ticket_status(self, uow: UnitOfWork, ticket_id: int, status: str, operator: str) -> None:
        if status not in TICKET_STATUSES:
            raise ValueError(f"未知状态 {status}")
        ticket = _ticket(uow, ticket_id)
        ticket.status = status
        ticket.updated_at = utcnow()
        notify(uow, self.deliver, ticket.openid,
               f"您的报修单 {ticket.ticket_no} 状态已更新为：{TICKET_STATUSES[status]}")


def _ticket(uow: UnitOfWork, ticket_id: int) -> RepairTicket:
    ticket = uow.session.get(RepairTicket, ticket_id)
    if ticket is None:
        raise LookupError(f"报修单 {ticket_id}")
    return ticket
