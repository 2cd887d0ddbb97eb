"""A SQLite transaction begun as a writer holds the write lock from its first statement, and a
transaction refused as "locked" runs again."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.db import begin_as_writer, make_engine, make_session_factory, retry_locked


def _other_writer_waits(path: Path) -> bool:
    """Whether another connection, asking for the write lock, is kept waiting (and gives up)."""
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


@pytest.mark.parametrize("as_writer", [True, False])
def test_a_writer_holds_the_lock_from_its_first_read(tmp_path: Path, as_writer: bool) -> None:
    path = tmp_path / "onecard.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with make_session_factory(engine)() as session:
        if as_writer:
            begin_as_writer(session)
        session.execute(text("SELECT count(*) FROM t")).scalar_one()

        assert _other_writer_waits(path) is as_writer
    engine.dispose()


def _failing(errors: list[str]) -> tuple[list[int], Callable[[], str]]:
    """A unit of work that raises each of `errors` in turn (as SQLAlchemy would), then succeeds."""
    calls: list[int] = []

    def work() -> str:
        calls.append(len(calls))
        if len(calls) <= len(errors):
            raise OperationalError("UPDATE t", {}, sqlite3.OperationalError(errors[len(calls) - 1]))
        return "done"

    return calls, work


def _no_pause(_attempt: int) -> float:
    return 0.0


def test_a_locked_transaction_runs_again_after_the_pause_it_was_given() -> None:
    calls, work = _failing(["database is locked", "database is locked"])
    pauses: list[int] = []

    def pause(attempt: int) -> float:
        pauses.append(attempt)
        return 0.0

    assert retry_locked(work, pause=pause) == "done"
    assert len(calls) == 3
    assert pauses == [0, 1]


def test_other_errors_and_the_last_locked_attempt_are_raised() -> None:
    calls, other = _failing(["no such table: t"])
    with pytest.raises(OperationalError, match="no such table"):
        retry_locked(other, pause=_no_pause)
    assert len(calls) == 1

    calls, locked = _failing(["database is locked"] * 3)
    with pytest.raises(OperationalError, match="locked"):
        retry_locked(locked, attempts=3, pause=_no_pause)
    assert len(calls) == 3
