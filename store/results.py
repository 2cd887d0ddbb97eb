"""What a statement's result says, typed: `Session.execute` is annotated as returning `Result`, which
has no `rowcount`, though an UPDATE or DELETE always returns a `CursorResult`, which has it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (SQLAlchemy 2.0: an UPDATE's result is a `CursorResult`)."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"no row count on a {type(result).__name__}: not an UPDATE or DELETE")
    return int(result.rowcount)
