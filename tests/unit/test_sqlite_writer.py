"""A SQLite transaction begun as a writer holds the write lock from its first statement."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import begin_as_writer, make_engine, make_session_factory


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
