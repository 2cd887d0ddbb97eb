"""Classify each top-up's bank movements of one day against what our order says happened that day.

Pure: no I/O, so every rule is a unit test. Items whose movement sits near midnight are timing
differences (the other side booked it on the neighbouring day), not errors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from events.campus_time import SHANGHAI
from events.money_kinds import STATUS_LABELS
from events.money_kinds import OrderStatus as S
from workers.money.reconcile.statement import Line

TIMING_WINDOW = timedelta(minutes=10)
#: A top-up under way: its bank movement may be booked before the order ends.
INTERMEDIATE = frozenset({S.CREATED, S.BANK_DEBITED, S.CARD_CREDITED, S.REVERSING, S.PAID, S.CLOSING, S.REFUNDING})


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_no: str
    amount_fen: int
    status: str
    moved_at: datetime | None
    undone_at: datetime | None


@dataclass(frozen=True, slots=True)
class Finding:
    order_no: str
    kind: str  # bank_only | platform_only | amount_mismatch | timing
    bank_fen: int
    platform_fen: int
    detail: str  # what a clerk reads on the reconciliation page (Chinese)


def on_day(day: date, moment: datetime | None) -> bool:
    return moment is not None and moment.astimezone(SHANGHAI).date() == day


def near_midnight(day: date, moments: list[datetime | None]) -> bool:
    edges = [datetime.combine(day, time(), SHANGHAI), datetime.combine(day + timedelta(days=1), time(), SHANGHAI)]
    return any(m is not None and abs(m - e) <= TIMING_WINDOW for m in moments for e in edges)


def _status(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def classify(day: date, lines: list[Line], orders: dict[str, OrderFacts]) -> list[Finding]:
    bank: dict[str, int] = defaultdict(int)  # net fen the bank moved for each order that day
    for line in lines:
        bank[line.order_no] += line.amount_fen if line.kind == "debit" else -line.amount_fen
    findings = []
    for order_no in sorted(set(bank) | set(orders)):
        order = orders.get(order_no)
        bank_fen = bank.get(order_no, 0)
        if order is None:
            if bank_fen:
                findings.append(Finding(order_no, "bank_only", bank_fen, 0, "银行有资金变动，平台没有这笔订单"))
            continue
        ours = (order.amount_fen if on_day(day, order.moved_at) else 0) - (
            order.amount_fen if on_day(day, order.undone_at) else 0)
        if ours == bank_fen or order.status in INTERMEDIATE:
            continue  # matched; an order still moving is judged by the stuck check instead
        if near_midnight(day, [order.moved_at, order.undone_at]):
            findings.append(Finding(order_no, "timing", bank_fen, ours, "跨零点入账，另一方记在相邻日期"))
        else:
            kind = "bank_only" if ours == 0 else "platform_only" if bank_fen == 0 else "amount_mismatch"
            findings.append(Finding(order_no, kind, bank_fen, ours, f"订单状态：{_status(order.status)}"))
    return findings
