"""Alert figures for 数据分析: how many alerts of each kind went out by each channel, and how many reached WeChat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.stats import Table
from store.tables import CardAlert, OutboundMessage
from workers.alerts.messages import KIND_LABELS
from workers.delivery.push import CHANNEL_LABELS


def alert_counts(session: Session, since: datetime) -> Table:
    """Per kind and channel since `since`: recorded, sent, and the rest (pending, expired or failed).

    The channel is the one the message went by: a customer-service message whose grant ended first
    went as its template (`workers.delivery.reply`), which its outbound row records."""
    channel = func.coalesce(OutboundMessage.channel, CardAlert.channel)
    rows = session.execute(
        select(CardAlert.kind, channel, func.count(), func.count(OutboundMessage.sent_at))
        .outerjoin(OutboundMessage, OutboundMessage.id == CardAlert.outbound_id)
        .where(CardAlert.created_at >= since)
        .group_by(CardAlert.kind, channel).order_by(CardAlert.kind, channel)).all()
    return Table("实时提醒（按类型和渠道）", ["提醒类型", "渠道", "提醒数", "已送达", "未送达"],
                 [[KIND_LABELS.get(kind, kind), CHANNEL_LABELS.get(went, went), total, sent, total - sent]
                  for kind, went, total, sent in rows])
