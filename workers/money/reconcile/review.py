"""What an operator reviews of reconciliation: each day's run with its count of findings, a run's
discrepancies, and the Chinese name of every class and status they carry (the back-office shows them).
"""

from __future__ import annotations

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
}
#: What became of a discrepancy: repaired or explained by the run itself, or decided by an operator.
STATUSES = {"open": "待处理", "repaired": "已自动修复", "explained": "时间差（无需处理）", "resolved": "已处理"}
RUN_STATUSES = {"running": "对账中", "done": "已完成", "failed": "失败"}


def runs(session: Session, limit: int = 60) -> list[tuple[ReconciliationRun, int]]:
    """The latest runs, newest first, each with how many discrepancies it recorded."""
    counts = (select(Discrepancy.run_id, func.count().label("n"))
              .group_by(Discrepancy.run_id).subquery())
    rows = session.execute(
        select(ReconciliationRun, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.run_id == ReconciliationRun.id)
        .order_by(ReconciliationRun.id.desc()).limit(limit)
    ).all()
    return [(run, int(n)) for run, n in rows]


def discrepancies(session: Session, run_id: int, kind: str | None = None) -> list[Discrepancy]:
    """A run's discrepancies in the order they were found, of one class when `kind` is given."""
    query = select(Discrepancy).where(Discrepancy.run_id == run_id).order_by(Discrepancy.id)
    if kind:
        query = query.where(Discrepancy.kind == kind)
    return list(session.execute(query).scalars())
