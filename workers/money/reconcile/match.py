"""Classify each top-up's bank movements of one day against what our order says happened that day.

Pure: no I/O, so every rule is a unit test. Items whose movement sits near midnight are timing
differences (the other side booked it on the neighbouring day), not errors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from events.campus_time import SHANGHAI
from workers.money.reconcile.statement import Line

TIMING_WINDOW = timedelta(minutes=10)
INTERMEDIATE = frozenset({"created", "bank_debited", "card_credited", "reversing", "paid", "closing", "refunding"})


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
    detail: str


def _on(day: date, moment: datetime | None) -> bool:
    return moment is not None and moment.astimezone(SHANGHAI).date() == day


def _near_midnight(day: date, moments: list[datetime | None]) -> bool:
    edges = [datetime.combine(day, time(), SHANGHAI), datetime.combine(day + timedelta(days=1), time(), SHANGHAI)]
    return any(m is not None and abs(m - e) <= TIMING_WINDOW for m in moments for e in edges)


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
                findings.append(Finding(order_no, "bank_only", bank_fen, 0, "bank moved money for no order of ours"))
            continue
        ours = (order.amount_fen if _on(day, order.moved_at) else 0) - (
            order.amount_fen if _on(day, order.undone_at) else 0)
        if ours == bank_fen or order.status in INTERMEDIATE:
            continue  # matched; an order still moving is judged by the stuck check instead
        if _near_midnight(day, [order.moved_at, order.undone_at]):
            findings.append(Finding(order_no, "timing", bank_fen, ours, "booked across midnight"))
        elif ours == 0:
            findings.append(Finding(order_no, "bank_only", bank_fen, ours, f"order is {order.status}"))
        elif bank_fen == 0:
            findings.append(Finding(order_no, "platform_only", bank_fen, ours, f"order is {order.status}"))
        else:
            findings.append(Finding(order_no, "amount_mismatch", bank_fen, ours, f"order is {order.status}"))
    return findings
