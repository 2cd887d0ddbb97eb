"""A stand-in for issue 3's reconciliation (not on main yet), so the resolution workflow of the page can be
driven end to end. It keeps its runs in memory; the page, the authorisation and the audit entry are real.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backoffice.reconciliation import Discrepancy, Run
from store.uow import UnitOfWork


class InMemoryReconciliation:
    installed = True

    def __init__(self) -> None:
        self._runs = [Run(1, date(2026, 11, 24), "done", matched=412, discrepancies=2)]
        self._items = {
            1: Discrepancy(1, 1, "platform_only", "TP20261124000123", 5000, None, "open"),
            2: Discrepancy(2, 1, "amount_mismatch", "TP20261124000456", 10000, 1000, "open"),
        }

    def runs(self, uow: UnitOfWork, limit: int = 60) -> list[Run]:
        return self._runs[:limit]

    def discrepancies(self, uow: UnitOfWork, run_id: int) -> list[Discrepancy]:
        return [d for d in self._items.values() if d.run_id == run_id]

    def discrepancy(self, uow: UnitOfWork, discrepancy_id: int) -> Discrepancy | None:
        return self._items.get(discrepancy_id)

    def resolve_discrepancy(self, uow: UnitOfWork, discrepancy_id: int, decision: str, note: str,
                            operator: str) -> Discrepancy:
        resolved = replace(self._items[discrepancy_id], status="resolved", decision=decision, resolved_by=operator,
                           note=note)
        self._items[discrepancy_id] = resolved
        return resolved
