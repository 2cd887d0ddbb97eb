"""The database connection: the one place that knows SQLite needs different care from PostgreSQL
(engine settings, writer transactions, the dialect's INSERT … ON CONFLICT, retry on a locked write)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, TextClause, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, a pool on PostgreSQL."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take it over so that a unit of work
        # is one real transaction (and writes serialize instead of failing on upgrade).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL under WAL: a killed process loses no committed transaction; only a power cut may
    # lose the last few, which the bank reconciliation then reports. FULL would cost an fsync
    # per callback on the ingress.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITER) else "BEGIN")


_WRITER = "onecard_writer"


def begin_as_writer(session: Session) -> None:
    """Begin the session's transaction as a writer from its first statement (SQLite: BEGIN IMMEDIATE).

    A deferred SQLite transaction that has read cannot become a writer once another connection
    committed meanwhile: it fails and the whole transaction runs again. A long one (a group of
    turns) under a busy ingress would lose that race again and again; taking the lock first makes
    it wait its turn instead. Nothing changes on PostgreSQL.
    """
    session.connection(execution_options={_WRITER: True})


def rowcount(result: Result[Any]) -> int:
    """How many rows an executed UPDATE or DELETE matched. `Session.execute` is typed to return a
    plain `Result`, which has no rowcount; what a DML statement returns is a `CursorResult`, which has."""
    return cast("CursorResult[Any]", result).rowcount


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose loaded objects stay readable after commit, without a query per attribute."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def single_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for one statement that is a transaction by itself (an UPDATE … RETURNING).

    On PostgreSQL in autocommit: the statement is atomic anyway, and BEGIN and COMMIT would be two
    more round trips (the reply worker runs two such statements for every message). On SQLite a
    plain transaction: there the BEGIN is ours (see `make_engine`), and costs no round trip.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
    else:
        with engine.begin() as conn:
            yield conn


def json_rows_insert(table: str, columns: Sequence[tuple[str, str]], tail: str) -> TextClause:
    """PostgreSQL: an INSERT of a batch of rows handed over as one JSON document (`json_rows`).

    The SQL text is the same for every batch size, so psycopg converts it once (the multi-row
    VALUES list that insertmanyvalues renders is a new, long statement for each size: parsing it
    was a tenth of the ingress's CPU), and the one parameter is a string that `json.dumps` builds
    in C (an array a column, tried before, was escaped element by element in Python: a seventh of
    the ingress's CPU). The rows go in the document's order, so a serial id grows with it (what
    SQLAlchemy's own "insertmanyvalues" relies on to sort RETURNING rows). `columns` are (name,
    SQL type); `tail` follows the SELECT (ON CONFLICT …, RETURNING …).
    """
    names = ", ".join(name for name, _ in columns)
    typed = ", ".join(f"{name} {kind}" for name, kind in columns)
    return text(f"INSERT INTO {table} ({names}) SELECT {names} "
                f"FROM ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ({typed})) WITH ORDINALITY "
                f"AS batch({names}, position) ORDER BY position {tail}")


def json_rows(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The parameters of a `json_rows_insert` statement for these rows (datetimes in ISO 8601)."""
    return {"rows": json.dumps(rows, ensure_ascii=False, default=_iso)}


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def upsert_insert(bind: Engine | Session, table: Any) -> Any:
    """An insert construct with `.on_conflict_do_nothing()` / `.on_conflict_do_update()`."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return dialect_insert(engine.dialect.name, table)


def dialect_insert(dialect: str, table: Any) -> Any:
    """`upsert_insert` by dialect name, for statements built once per dialect and cached."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def _growing_pause(attempt: int) -> float:
    return 0.05 * (attempt + 1)


def retry_locked(work: Callable[[], T], *, attempts: int = 8, pause: Callable[[int], float] = _growing_pause) -> T:
    """Run a short transaction again when SQLite refuses it as "locked"; `pause(n)` seconds after failure n.

    Under WAL a transaction that read first and then writes fails at once (no busy wait) when another
    writer committed in between; starting it again is the cure. PostgreSQL never raises this, so
    there the function simply runs once.
    """
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(pause(attempt))
    raise AssertionError("unreachable")
