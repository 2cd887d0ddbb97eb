"""The landing page (概览: figures with their trends, each leading to its page) and the audit log."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from backoffice import audit, overview
from backoffice.listing import paginate
from backoffice.pages.auth import MESSAGES as SIGN_IN_MESSAGES
from backoffice.roles import Perm
from backoffice.template_gaps import gaps
from backoffice.web import Ctx, Page
from store.tables import AuditEntry, utcnow


def home(ctx: Ctx) -> Response:
    figures = overview.figures(ctx.uow.session, ctx.platform.broker, utcnow())
    charts = {f"trend-{f.key}": {"columns": ["日期", f.title], "rows": f.trend} for f in figures if f.trend}
    return ctx.render("home.html", figures=figures, small=overview.small_figures(ctx.uow.session), charts=charts,
                      gaps=gaps(ctx.uow.session))


def audit_log(ctx: Ctx) -> Response:
    params = dict(ctx.request.query_params)
    query = select(AuditEntry)
    if who := params.get("operator", "").strip():
        query = query.where(AuditEntry.operator == who)
    if action := params.get("action"):
        query = query.where(AuditEntry.action == action)
    listing = paginate(ctx.uow.session, query, params, {"at": AuditEntry.id}, "at")
    return ctx.render("audit.html", entries=listing.items, listing=listing, params=params, actions=audit.ACTIONS,
                      reasons=SIGN_IN_MESSAGES)


PAGES = [
    Page("GET", "/", Perm.VIEW, home),
    Page("GET", "/audit", Perm.AUDIT, audit_log),
]
