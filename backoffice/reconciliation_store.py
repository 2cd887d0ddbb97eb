"""The back-office's view of reconciliation (issue 3): runs and discrepancies from their tables, and the
operator's decision recorded through `workers.money.reconcile.resolve.resolve_discrepancy`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from backoffice.reconciliation import Discrepancy, Run
from store.tables import Discrepancy as DiscrepancyRow
from store.tables import ReconciliationRun
from store.uow import UnitOfWork
from workers.money.reconcile.resolve import resolve_discrepancy


def _item(row: DiscrepancyRow) -> Discrepancy:
    return Discrepancy(id=row.id, run_id=row.run_id, cls=row.kind, order_no=row.order_no,
                       platform_fen=row.platform_fen, bank_fen=row.bank_fen, status=row.status,
                       decision=row.decision, resolved_by=row.operator, note=row.note)


class StoredReconciliation:
    def runs(self, uow: UnitOfWork, limit: int = 60) -> list[Run]:
        counts = (select(DiscrepancyRow.run_id, func.count().label("n"))
                  .group_by(DiscrepancyRow.run_id).subquery())
        rows = uow.session.execute(
            select(ReconciliationRun, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.run_id == ReconciliationRun.id)
            .order_by(ReconciliationRun.id.desc()).limit(limit)
        ).all()
        return [Run(id=run.id, day=date.fromisoformat(run.statement_date), status=run.status,
                    matched=int((run.summary or {}).get("lines", 0)), discrepancies=int(n))
                for run, n in rows]

    def discrepancies(self, uow: UnitOfWork, run_id: int) -> list[Discrepancy]:
        rows = uow.session.execute(
            select(DiscrepancyRow).where(DiscrepancyRow.run_id == run_id).order_by(DiscrepancyRow.id)
        ).scalars()
        return [_item(row) for row in rows]

    def discrepancy(self, uow: UnitOfWork, discrepancy_id: int) -> Discrepancy | None:
        row = uow.session.get(DiscrepancyRow, discrepancy_id)
        return _item(row) if row else None

    def resolve_discrepancy(self, uow: UnitOfWork, discrepancy_id: int, decision: str, note: str,
                            operator: str) -> Discrepancy:
        return _item(resolve_discrepancy(uow.session, discrepancy_id, operator, decision, note))
