"""`INSERT … ON CONFLICT` for whichever backend we run on (both PostgreSQL and SQLite have it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(bind: Engine | Session, table: Any) -> Any:
    """An insert construct with `.on_conflict_do_nothing()` / `.on_conflict_do_update()`."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    module = postgresql if engine.dialect.name == "postgresql" else sqlite
    return module.insert(table)
