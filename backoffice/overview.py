"""The figures of 概览: each with its trend over the last two weeks and the page behind it."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import dramatiq
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from adapters.broker import stats as broker_stats
from backoffice import stats
from store.tables import Article, Binding, FeatureSwitch, InboxEvent, OutboundMessage, ReconciliationRun, RepairTicket
from workers.money.reconcile import review
from workers.text.format import yuan

log = logging.getLogger("onecard.backoffice")
DAYS = 14


@dataclass
class Figure:
    """One tile: a number, what it is, a line under it, where it leads, and its daily series if any."""

    key: str
    value: str
    title: str
    note: str
    href: str
    trend: list[list[object]] = field(default_factory=list)  # [[date, n], …] oldest first
    alert: bool = False


def _count(session: Session, model: type, *where: ColumnElement[bool]) -> int:
    return int(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


def _tail(table: stats.Table, column: int = 1) -> list[list[object]]:
    return [[row[0], row[column]] for row in table.rows[-DAYS:]]


def _dead_letters(broker: dramatiq.Broker) -> int | None:
    try:
        return sum(d.dead for d in broker_stats.depths(broker))
    except Exception as exc:  # the overview shows the rest when the broker is down
        log.warning("broker not readable: %s", exc)
        return None


def figures(session: Session, broker: dramatiq.Broker, now: datetime) -> list[Figure]:
    since = now - timedelta(days=DAYS)
    bindings = stats.bindings(session, "day", now)
    active = stats.active_users(session, "day", now)
    days = stats.buckets("day", now)[-DAYS:]
    counts: Counter[str] = Counter()
    amounts: Counter[str] = Counter()
    for tx in stats.transactions(session, since):
        counts[stats.bucket(tx.at, "day")] += 1
        amounts[stats.bucket(tx.at, "day")] += tx.amount_fen
    reported = Counter(stats.bucket(at, "day") for at in session.execute(
        select(RepairTicket.created_at).where(RepairTicket.created_at >= since)).scalars())
    open_tickets = _count(session, RepairTicket, RepairTicket.status.in_(("open", "in_progress")))
    dead = _dead_letters(broker)
    last = session.execute(select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(1)).scalar()
    today = days[-1]
    out = [
        Figure("bindings", str(_count(session, Binding)), "已绑定用户",
               f"近 {DAYS} 天新增 {sum(int(str(r[1])) for r in _tail(bindings))}", "/bindings", _tail(bindings)),
        Figure("active", str(active.rows[-1][1]), "今日活跃用户", f"近 {DAYS} 天每日活跃", "/analytics", _tail(active)),
        Figure("transactions", str(counts[today]), "今日交易笔数", f"今日金额 {yuan(amounts[today])} 元",
               "/analytics", [[d, counts[d]] for d in days]),
        Figure("tickets", str(open_tickets), "未完成报修", f"近 {DAYS} 天新报修 {sum(reported.values())}",
               "/tickets?status=open", [[d, reported[d]] for d in days], alert=open_tickets > 0),
        Figure("dead", "未知" if dead is None else str(dead), "死信消息", "多次处理失败、等待重试的消息",
               "/operations", alert=bool(dead)),
    ]
    if last is None:
        out.append(Figure("reconciliation", "—", "最近对账", "还没有对账记录", "/reconciliation"))
    else:
        waiting = review.views(session, [last])[0].waiting
        state = review.RUN_STATUSES.get(last.status, last.status)
        out.append(Figure("reconciliation", last.statement_date, "最近对账", f"{state}，待处理差异 {waiting}",
                          f"/reconciliation/{last.id}", alert=bool(waiting) or last.status == "failed"))
    return out


def small_figures(session: Session) -> list[Figure]:
    """The counts without a trend: paused functions, drafts, the two backlogs."""
    return [
        Figure("paused", str(_count(session, FeatureSwitch, FeatureSwitch.enabled.is_(False))), "暂停中的功能", "",
               "/features"),
        Figure("drafts", str(_count(session, Article, Article.status == "draft")), "草稿", "", "/articles"),
        Figure("outbox", str(_count(session, OutboundMessage, OutboundMessage.status.in_(("pending", "sending")))),
               "待发送消息", "", "/operations"),
        Figure("inbox", str(_count(session, InboxEvent, InboxEvent.status == "received")), "待处理用户消息", "",
               "/operations"),
    ]
