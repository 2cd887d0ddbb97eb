"""`INSERT … ON CONFLICT` for whichever backend we run on (both PostgreSQL and SQLite have it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(bind: Engine | Session, table: Any) -> Any:
    """An insert construct with `.on_conflict_do_nothing()` / `.on_conflict_do_update()`."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return dialect_insert(engine.dialect.name, table)


def dialect_insert(dialect: str, table: Any) -> Any:
    """`upsert_insert` by dialect name, for statements built once per dialect and cached."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)
