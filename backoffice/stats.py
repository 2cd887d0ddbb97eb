"""Figures for the data-analysis page, bucketed by Shanghai day or month in Python (same on every database).

Transactions are the money orders that completed: top-ups, and fee payments whose fee system is the payee.
The merchant ranking is the card system's: canteens and shops are paid by card, not through us.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.cardsystem.port import CardSystem
from events.campus_time import SHANGHAI
from events.errors import OnecardError
from events.money_kinds import BY_CODE
from store.inbox import WECHAT
from store.tables import Binding, BindingLog, InboxEvent, MoneyOrder, utcnow
from workers.text.format import yuan

log = logging.getLogger("onecard.backoffice")


@dataclass(frozen=True, slots=True)
class Tx:
    at: datetime
    kind: str  # the order kind's Chinese name
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Table:
    """A figure as a table: what the chart draws and what the CSV holds."""

    title: str
    columns: list[str]
    rows: list[list[object]]


def bucket(moment: datetime, period: str) -> str:
    local = moment.astimezone(SHANGHAI)
    return local.strftime("%Y-%m") if period == "month" else local.strftime("%Y-%m-%d")


def buckets(period: str, now: datetime) -> list[str]:
    """The last 30 days or 12 months, oldest first, so quiet days show as zero."""
    if period == "month":
        local, keys = now.astimezone(SHANGHAI), []
        year, month = local.year, local.month
        for _ in range(12):
            keys.append(f"{year:04d}-{month:02d}")
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return keys[::-1]
    return [bucket(now - timedelta(days=n), "day") for n in range(29, -1, -1)]


def since(period: str, now: datetime) -> datetime:
    return now - (timedelta(days=366) if period == "month" else timedelta(days=30))


def bindings(session: Session, period: str, now: datetime | None = None) -> Table:
    now = now or utcnow()
    rows = session.execute(select(BindingLog.at, BindingLog.action).where(BindingLog.at >= since(period, now)))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for at, action in rows:
        counts[bucket(at, period)][action] += 1
    total = session.execute(select(func.count()).select_from(Binding)).scalar_one()
    data = [[key, counts[key]["bound"], counts[key]["unbound"]] for key in buckets(period, now)]
    return Table(f"绑定（当前共 {total} 个）", ["日期", "新绑定", "解绑"], data)


def active_users(session: Session, period: str, now: datetime | None = None) -> Table:
    now = now or utcnow()
    rows = session.execute(
        select(InboxEvent.received_at, InboxEvent.openid).where(InboxEvent.received_at >= since(period, now),
                                                                InboxEvent.source == WECHAT,
                                                                InboxEvent.openid.is_not(None))
    )
    users: dict[str, set[str]] = defaultdict(set)
    for at, openid in rows:
        users[bucket(at, period)].add(str(openid))
    return Table("活跃用户", ["日期", "活跃用户数"], [[key, len(users[key])] for key in buckets(period, now)])


def _kind_name(code: str) -> str:
    return BY_CODE[code].name if code in BY_CODE else code


def transactions(session: Session, since: datetime) -> list[Tx]:
    """Orders that ended `done`, dated when their money moved; the fee systems are the merchants."""
    moved = func.coalesce(MoneyOrder.moved_at, MoneyOrder.created_at)
    rows = session.execute(
        select(MoneyOrder.kind, MoneyOrder.amount_fen, moved.label("at"))
        .where(MoneyOrder.status == "done", moved >= since)
    ).all()
    return [Tx(at=row.at, kind=_kind_name(row.kind), amount_fen=int(row.amount_fen)) for row in rows]


def transactions_by_kind(txs: Iterable[Tx], period: str, now: datetime) -> Table:
    txs = list(txs)
    kinds = sorted({tx.kind for tx in txs})
    count: dict[tuple[str, str], int] = Counter()
    amount: dict[tuple[str, str], int] = Counter()
    for tx in txs:
        key = (bucket(tx.at, period), tx.kind)
        count[key] += 1
        amount[key] += tx.amount_fen
    columns = ["日期"] + [f"{k} 笔数" for k in kinds] + [f"{k} 金额（元）" for k in kinds]
    rows: list[list[object]] = [[b, *(count[(b, k)] for k in kinds), *(yuan(amount[(b, k)]) for k in kinds)]
                                for b in buckets(period, now)]
    return Table("交易笔数与金额（按类型）", columns, rows)


def merchant_ranking(card: CardSystem, since: datetime, until: datetime, limit: int = 10) -> Table:
    """The card system's own report of what each canteen and shop took (fee payments included: they are
    card debits too), largest first; an empty table saying why when the card system cannot be reached."""
    columns = ["商户", "类别", "笔数", "金额（元）"]
    try:
        totals = card.merchant_totals(since=since, until=until)[:limit]
    except OnecardError as exc:
        log.warning("merchant ranking unavailable: %s", exc)
        return Table("商户排行（卡务系统暂时无法访问）", columns, [])
    return Table("商户排行（卡务系统流水）", columns, [[t.merchant, t.category, t.count, yuan(t.amount_fen)]
                                                 for t in totals])
