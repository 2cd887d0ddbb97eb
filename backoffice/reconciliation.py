"""What the back-office asks of reconciliation, in one place.

The runs, the discrepancies and `resolve_discrepancy(...)` belong to `workers.money.reconcile`; the pages
call this `Reconciliation` interface, implemented over those tables by `reconciliation_store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from store.uow import UnitOfWork

#: The classes of discrepancy `workers.money.reconcile` finds (QUEUES.md: T+1 statements by order number and amount).
CLASSES = {
    "bank_only": "长款（仅银行有）",
    "platform_only": "短款（仅平台有）",
    "amount_mismatch": "金额不符",
    "card_mismatch": "卡账不符",
    "stuck": "停在中间状态",
    "timing": "跨日（时间差）",
}
#: The decisions `workers.money.reconcile.resolve` records (the money itself is moved by hand, outside onecard).
DECISIONS = {
    "refunded_user": "已退款给用户",
    "credited_card": "已补写入卡",
    "reversed_at_bank": "已在银行冲正",
    "bank_error": "银行差错",
    "no_action": "无需处理（时间差等）",
}


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    day: date
    status: str
    matched: int
    discrepancies: int


@dataclass(frozen=True, slots=True)
class Discrepancy:
    id: int
    run_id: int
    cls: str
    order_no: str | None
    platform_fen: int | None
    bank_fen: int | None
    status: str  # open | resolved
    decision: str | None = None
    resolved_by: str | None = None
    note: str | None = None


class Reconciliation(Protocol):
    def runs(self, uow: UnitOfWork, limit: int = 60) -> list[Run]: ...
    def discrepancies(self, uow: UnitOfWork, run_id: int) -> list[Discrepancy]: ...
    def discrepancy(self, uow: UnitOfWork, discrepancy_id: int) -> Discrepancy | None: ...
    def resolve_discrepancy(self, uow: UnitOfWork, discrepancy_id: int, decision: str, note: str,
                            operator: str) -> Discrepancy: ...
