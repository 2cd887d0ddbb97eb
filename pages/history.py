"""流水: the statement with filters (dates, kind, merchant), more lines as the holder scrolls."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.responses import JSONResponse, Response

from pages.web import Ctx, link
from workers.statements import KINDS, history_page
from workers.text.format import short_time, signed_yuan, yuan
from workers.text.periods import Period

PAGE = 20


class BadFilter(ValueError):
    """A filter the holder typed that we cannot use; the page says which."""


def _period(first: str, last: str) -> Period | None:
    if not first and not last:
        return None
    try:
        start = date.fromisoformat(first) if first else date(2000, 1, 1)
        end = date.fromisoformat(last) if last else date(2100, 1, 1)
    except ValueError as exc:
        raise BadFilter("日期格式应为 2026-11-01") from exc
    if end < start:
        raise BadFilter("结束日期早于开始日期")
    return Period(start, end + timedelta(days=1), f"{first or '最早'} 至 {last or '今天'}")


def _read(ctx: Ctx, offset: int) -> tuple[dict[str, str], list[dict[str, str]], int]:
    filters = {name: ctx.query(name)[:40] for name in ("from", "to", "kind", "merchant")}
    if filters["kind"] and filters["kind"] not in KINDS:
        raise BadFilter("没有这种交易类型")
    page = history_page(ctx.deps.card, ctx.student_no, _period(filters["from"], filters["to"]), ctx.now,
                        kind=filters["kind"], merchant=filters["merchant"], offset=offset, limit=PAGE)
    rows = [{"at": short_time(t.at), "merchant": t.merchant, "kind": t.category, "amount": signed_yuan(t.amount_fen),
             "income": "1" if t.amount_fen > 0 else "", "balance": yuan(t.balance_fen)} for t in page.items]
    return filters, rows, page.total


def history(ctx: Ctx) -> Response:
    try:
        filters, rows, total = _read(ctx, 0)
        error = ""
    except BadFilter as exc:
        filters, rows, total, error = {}, [], 0, str(exc)
    more = link("/m/api/history", **filters) if len(rows) < total else ""
    # Narrowed without dates, the statement is searched over the last year (workers.statements.history_page).
    span = "（最近一年）" if (filters.get("kind") or filters.get("merchant")) and not (
        filters.get("from") or filters.get("to")) else ""
    return ctx.render("history.html", filters=filters, rows=rows, total=total, kinds=KINDS, more=more,
                      error=error, page=PAGE, span=span)


def history_more(ctx: Ctx) -> Response:
    """The next lines for the endless list: `offset` counts the lines the page already shows."""
    try:
        offset = max(int(ctx.query("offset") or 0), 0)
        _filters, rows, total = _read(ctx, offset)
    except (BadFilter, ValueError) as exc:
        return JSONResponse({"error": str(exc) if isinstance(exc, BadFilter) else "offset 不正确"}, status_code=400)
    return JSONResponse({"rows": rows, "total": total, "done": offset + len(rows) >= total})
