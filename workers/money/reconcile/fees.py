"""Fee payments held against the fee systems' own records of one day (electricity, network, exams…).

Pure, like `match`: our done fee orders whose money moved that day on one side, the payments the fee
systems say they booked that day on the other, matched by order number and amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from adapters.fees.port import FeeRecord
from events.money_kinds import BY_CODE, STATUS_LABELS, OrderStatus
from workers.money.reconcile.match import Finding, near_midnight, on_day


@dataclass(frozen=True, slots=True)
class FeeOrder:
    order_no: str
    kind: str
    amount_fen: int
    status: str
    moved_at: datetime | None


def _name(kind: str) -> str:
    return BY_CODE[kind].name if kind in BY_CODE else kind


def classify_fees(day: date, records: list[FeeRecord], orders: dict[str, FeeOrder]) -> list[Finding]:
    """fee_only: the fee system booked a payment we do not hold as done that day; fee_missing: a done
    payment of ours the fee system never booked; fee_amount: both booked it, for different sums."""
    booked = {r.order_no: r for r in records}
    findings = []
    for order_no in sorted(set(booked) | set(orders)):
        record, order = booked.get(order_no), orders.get(order_no)
        ours = order.amount_fen if order and order.status == OrderStatus.DONE and on_day(day, order.moved_at) else 0
        theirs = record.amount_fen if record else 0
        if ours == theirs:
            continue
        kind_name = _name(record.kind if record else order.kind if order else "")
        moments = [order.moved_at if order else None, datetime.fromisoformat(record.booked_at) if record else None]
        if near_midnight(day, moments):
            findings.append(Finding(order_no, "timing", theirs, ours, f"{kind_name}：跨零点入账"))
        elif not ours:
            state = f"平台订单状态：{STATUS_LABELS.get(order.status, order.status)}" if order else "平台没有这笔订单"
            findings.append(Finding(order_no, "fee_only", theirs, 0, f"{kind_name}已收款，{state}"))
        elif not theirs:
            findings.append(Finding(order_no, "fee_missing", 0, ours, f"平台已扣款，{kind_name}没有这笔收款记录"))
        else:
            findings.append(Finding(order_no, "fee_amount", theirs, ours, f"{kind_name}收款金额与平台订单不符"))
    return findings
