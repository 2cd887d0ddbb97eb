"""Paging and sorting of the back-office's tables (bindings, tickets, audit, orders), in one place.

A page asks for `?page=2&sort=bound_at&dir=asc`; only columns the page names may be sorted on, so the
query string never reaches SQL as anything but a choice among them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    items: list[Any]
    total: int
    page: int
    pages: int
    sort: str
    descending: bool
    params: dict[str, str]

    def link(self, **changes: object) -> str:
        """This listing's query string with some parameters changed (a page, a sort)."""
        merged = {**self.params, **{k: str(v) for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    def sort_link(self, column: str) -> str:
        flip = "asc" if column == self.sort and self.descending else "desc"
        return self.link(sort=column, dir=flip, page=1)


def paginate(session: Session, query: Select[Any], params: Mapping[str, str], columns: Mapping[str, Any],
             default: str, page_size: int = PAGE_SIZE) -> Listing:
    """One page of `query`, sorted by a column named in `columns` (else `default`, newest first)."""
    sort = params.get("sort", "") if params.get("sort", "") in columns else default
    descending = params.get("dir", "desc") != "asc"
    total = int(session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one())
    pages = max(1, -(-total // page_size))
    try:
        page = min(max(1, int(params.get("page", "1"))), pages)
    except ValueError:
        page = 1
    column = columns[sort]
    ordered = query.order_by(column.desc() if descending else column.asc())
    items = list(session.execute(ordered.limit(page_size).offset((page - 1) * page_size)).scalars())
    kept = {k: v for k, v in params.items() if k not in ("page",)}
    return Listing(items, total, page, pages, sort, descending, kept)
