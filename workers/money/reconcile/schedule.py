"""When the scheduler runs reconciliation: once a day after `reconcile_at` (Asia/Shanghai), for yesterday."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from store.tables import ReconciliationRun
from workers.text.format import SHANGHAI


def due_day(engine: Engine, now: datetime, at: str) -> date | None:
    """Yesterday, if it is past `at` (HH:MM, Shanghai; empty: never) and no run for it finished yet."""
    if not at:
        return None
    hour, minute = (int(x) for x in at.split(":"))
    local = now.astimezone(SHANGHAI)
    if (local.hour, local.minute) < (hour, minute):
        return None
    day = local.date() - timedelta(days=1)
    with Session(engine) as session:
        ran = session.execute(select(ReconciliationRun.id).where(
            ReconciliationRun.statement_date == day.isoformat(), ReconciliationRun.status == "done")).first()
    return None if ran else day
