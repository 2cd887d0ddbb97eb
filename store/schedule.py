"""The claim behind "exactly once per period": one row per job, moved forward by a conditional UPDATE.

Works the same on SQLite and PostgreSQL: two schedulers racing for a period both run the UPDATE
`... WHERE last_period < :period`; the database serializes them and only the first matches a row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, or_, update

from store.db import upsert_insert
from store.tables import ScheduledJob, utcnow


def claim(engine: Engine, job: str, period: int, *, first_period: int, holder: str,
          failed_before: datetime | None = None) -> bool:
    """True if this caller won `period` of `job` (and must run it); False if someone else did.

    A job seen for the first time starts at `first_period`, so a new daily job waits for its time
    instead of running at once, while a missed run is caught up once when a scheduler comes back.
    With `failed_before`, a run of this same period that failed and finished before then may be
    claimed again: a nightly job whose partner was down tries again the same day.
    """
    due = ScheduledJob.last_period < period
    if failed_before is not None:
        due = or_(due, and_(ScheduledJob.last_period == period, ScheduledJob.last_error.is_not(None),
                            ScheduledJob.finished_at < failed_before))
    with engine.begin() as conn:
        conn.execute(upsert_insert(engine, ScheduledJob).values(name=job, last_period=first_period)
                     .on_conflict_do_nothing(index_elements=["name"]))
        result = conn.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == job, due)
            .values(last_period=period, holder=holder[:128], started_at=utcnow(), finished_at=None, last_error=None)
        )
        return result.rowcount == 1


def finish(engine: Engine, job: str, period: int, error: str | None = None) -> None:
    """Record how the run of `period` ended (for operators; claiming does not depend on it)."""
    with engine.begin() as conn:
        conn.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == job, ScheduledJob.last_period == period)
            .values(finished_at=utcnow(), last_error=error[:2000] if error else None)
        )
