"""Data analysis (数据分析): charts drawn in the page by Apache ECharts (webassets), every table as CSV."""

from __future__ import annotations

import csv
import io

from starlette.responses import Response

from backoffice import alert_stats, stats
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from store.tables import utcnow

TABLES = ("bindings", "active", "transactions", "merchants", "alerts")


def _tables(ctx: Ctx, period: str) -> dict[str, stats.Table]:
    now = utcnow()
    session = ctx.uow.session
    txs = stats.transactions(session, stats.since(period, now))
    return {
        "bindings": stats.bindings(session, period, now),
        "active": stats.active_users(session, period, now),
        "transactions": stats.transactions_by_kind(txs, period, now),
        "merchants": stats.merchant_ranking(ctx.platform.ports.card, stats.since(period, now), now),
        "alerts": alert_stats.alert_counts(session, stats.since(period, now)),
    }


def _period(ctx: Ctx) -> str:
    return "month" if ctx.request.query_params.get("period") == "month" else "day"


def analytics(ctx: Ctx) -> Response:
    period = _period(ctx)
    tables = _tables(ctx, period)
    charts = {name: {"columns": t.columns, "rows": t.rows} for name, t in tables.items() if name != "alerts"}
    return ctx.render("analytics.html", period=period, tables=tables, charts=charts)


def export_csv(ctx: Ctx) -> Response:
    name, period = ctx.param("table"), _period(ctx)
    if name not in TABLES:
        raise LookupError(name)
    table = _tables(ctx, period)[name]
    out = io.StringIO()
    out.write("\ufeff")  # so Excel opens the Chinese headers as UTF-8
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{period}.csv"'})


PAGES = [
    Page("GET", "/analytics", Perm.VIEW, analytics),
    Page("GET", "/analytics/{table}.csv", Perm.VIEW, export_csv),
]
