"""The analytics page's transactions: completed top-ups and fee payments from the money orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.stats import Tx
from events.money_kinds import BY_CODE
from store.tables import MoneyOrder


class OrderTransactions:
    """Orders that ended `done`, dated when their money moved; fee systems are the payees (merchants)."""

    def transactions(self, session: Session, since: datetime) -> list[Tx] | None:
        moved = func.coalesce(MoneyOrder.moved_at, MoneyOrder.created_at)
        rows = session.execute(
            select(MoneyOrder.kind, MoneyOrder.amount_fen, moved.label("at"))
            .where(MoneyOrder.status == "done", moved >= since)
        ).all()
        return [Tx(at=row.at, kind=_label(row.kind), amount_fen=int(row.amount_fen),
                   merchant=None if row.kind == "topup" else _label(row.kind))
                for row in rows]


def _label(code: str) -> str:
    return BY_CODE[code].name if code in BY_CODE else code
