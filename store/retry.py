"""Run a short transaction again when SQLite refuses it as "locked".

Under WAL a transaction that read first and then writes fails at once (no busy wait) when another
writer committed in between; starting it again is the cure, as `workers.runtime.dispatch` does for turns.
PostgreSQL never raises this, so there the function simply runs once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

T = TypeVar("T")


def retry_locked(work: Callable[[], T], attempts: int = 8) -> T:
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
