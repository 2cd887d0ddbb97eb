"""What the back-office asks of issue 3's reconciliation, in one place.

Issue 3 owns the runs, the discrepancies and `resolve_discrepancy(...)`; they are not on main yet.
The pages call this `Reconciliation` interface; `not_installed()` stands in until the merge, when an
adapter over issue 3's functions is passed to `create_backoffice(reconciliation=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from store.uow import UnitOfWork

#: The classes of discrepancy (QUEUES.md: matching T+1 statements by order number and amount).
CLASSES = {
    "platform_only": "仅平台有",
    "bank_only": "仅银行有",
    "amount_mismatch": "金额不符",
    "status_mismatch": "状态不符",
    "timing": "跨日（时间差）",
}
DECISIONS = {"complete": "补写（完成入卡）", "reverse": "冲正（退回扣款）", "accept": "确认无误（时间差等）"}


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
    installed: bool

    def runs(self, uow: UnitOfWork, limit: int = 60) -> list[Run]: ...
    def discrepancies(self, uow: UnitOfWork, run_id: int) -> list[Discrepancy]: ...
    def discrepancy(self, uow: UnitOfWork, discrepancy_id: int) -> Discrepancy | None: ...
    def resolve_discrepancy(self, uow: UnitOfWork, discrepancy_id: int, decision: str, note: str,
                            operator: str) -> Discrepancy: ...


class NotInstalled:
    """Reconciliation is not part of this build yet: no runs, nothing to resolve."""

    installed = False

    def runs(self, uow: UnitOfWork, limit: int = 60) -> list[Run]:
        return []

    def discrepancies(self, uow: UnitOfWork, run_id: int) -> list[Discrepancy]:
        return []

    def discrepancy(self, uow: UnitOfWork, discrepancy_id: int) -> Discrepancy | None:
        return None

    def resolve_discrepancy(self, uow: UnitOfWork, discrepancy_id: int, decision: str, note: str,
                            operator: str) -> Discrepancy:
        raise LookupError(f"对账差异 {discrepancy_id}")


def not_installed() -> Reconciliation:
    return NotInstalled()
