"""Text search in SQL with what was typed taken literally: `%` and `_` are characters, not wildcards.

Every search (the back-office's tables, 指南 in the chat) goes through these, so none forgets the
escaping: a clerk searching `100%` finds "100%", not everything starting with "100".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text` as typed (SQLAlchemy escapes `%`, `_` and its escape character)."""
    return column.contains(text, autoescape=True)


def starts_with(column: Any, text: str) -> ColumnElement[bool]:
    return column.startswith(text, autoescape=True)


def ends_with(column: Any, text: str) -> ColumnElement[bool]:
    return column.endswith(text, autoescape=True)
