"""What an operator reviews of reconciliation: each day's run with its count of findings, a run's
discrepancies, and the Chinese name of every class and status they carry (the back-office shows them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.tables import Discrepancy, ReconciliationRun

#: The classes of discrepancy `run.reconcile` records (the bank's T+1 statement, by order number and amount).
KINDS = {
    "bank_only": "长款（仅银行有）",
    "platform_only": "短款（仅平台有）",
    "amount_mismatch": "金额不符",
    "card_mismatch": "卡账不符",
    "stuck": "停在中间状态",
    "timing": "跨日（时间差）",
    "fee_only": "缴费长款（仅缴费系统有）",
    "fee_missing": "缴费短款（缴费系统无记录）",
    "fee_amount": "缴费金额不符",
}
#: Who started a run (`triggered_by`); `admin:<name>` reads 后台：<name>.
TRIGGERS = {"scheduler": "每日定时", "schedule": "每日定时", "cli": "命令行"}
#: What became of a discrepancy: repaired or explained by the run itself, or decided by an operator.
STATUSES = {"open": "待处理", "repaired": "已自动修复", "explained": "时间差（无需处理）", "resolved": "已处理"}
RUN_STATUSES = {"running": "对账中", "done": "已完成", "failed": "失败"}


@dataclass(frozen=True)
class RunView:
    """A run as the list shows it: its discrepancies counted by class and by what became of them, now."""

    run: ReconciliationRun
    by_kind: dict[str, int]
    by_status: dict[str, int]

    @property
    def findings(self) -> int:
        return sum(self.by_status.values())

    @property
    def waiting(self) -> int:
        return self.by_status.get("open", 0)

    @property
    def automatic(self) -> int:
        return self.by_status.get("repaired", 0) + self.by_status.get("explained", 0)


def trigger_label(triggered_by: str) -> str:
    if triggered_by.startswith("admin:"):
        return f"后台：{triggered_by.removeprefix('admin:')}"
    return TRIGGERS.get(triggered_by, triggered_by)


def runs(session: Session, limit: int = 60) -> list[RunView]:
    """The latest runs, newest first, each with its discrepancies counted by class and by state."""
    latest = select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(limit)
    return views(session, list(session.execute(latest).scalars()))


def views(session: Session, found: list[ReconciliationRun]) -> list[RunView]:
    """Each of `found` with its discrepancies counted by class and by state (one grouped query)."""
    kinds: dict[int, dict[str, int]] = defaultdict(dict)
    states: dict[int, dict[str, int]] = defaultdict(dict)
    if found:
        for run_id, kind, status, n in session.execute(
            select(Discrepancy.run_id, Discrepancy.kind, Discrepancy.status, func.count())
            .where(Discrepancy.run_id.in_([r.id for r in found]))
            .group_by(Discrepancy.run_id, Discrepancy.kind, Discrepancy.status)
        ).all():
            kinds[run_id][kind] = kinds[run_id].get(kind, 0) + n
            states[run_id][status] = states[run_id].get(status, 0) + n
    return [RunView(r, kinds[r.id], states[r.id]) for r in found]


def discrepancies(session: Session, run_id: int, kind: str | None = None) -> list[Discrepancy]:
    """A run's discrepancies in the order they were found, of one class when `kind` is given."""
    query = select(Discrepancy).where(Discrepancy.run_id == run_id).order_by(Discrepancy.id)
    if kind:
        query = query.where(Discrepancy.kind == kind)
    return list(session.execute(query).scalars())
