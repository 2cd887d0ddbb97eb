"""The landing page and the audit log."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from starlette.responses import Response

from backoffice import audit
from backoffice.listing import paginate
from backoffice.pages.auth import MESSAGES as SIGN_IN_MESSAGES
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from store.tables import Article, AuditEntry, Binding, FeatureSwitch, InboxEvent, OutboundMessage, RepairTicket


def home(ctx: Ctx) -> Response:
    session = ctx.uow.session

    def count(model: type, *where: ColumnElement[bool]) -> int:
        return int(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one())

    figures = {
        "bindings": count(Binding),
        "open_tickets": count(RepairTicket, RepairTicket.status.in_(("open", "in_progress"))),
        "paused": count(FeatureSwitch, FeatureSwitch.enabled.is_(False)),
        "drafts": count(Article, Article.status == "draft"),
        "outbox": count(OutboundMessage, OutboundMessage.status.in_(("pending", "sending"))),
        "inbox": count(InboxEvent, InboxEvent.status == "received"),
    }
    return ctx.render("home.html", figures=figures)


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
