"""The landing page and the audit log."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from starlette.responses import Response

from backoffice import audit
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
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)
    if who := ctx.request.query_params.get("operator"):
        query = query.where(AuditEntry.operator == who)
    if action := ctx.request.query_params.get("action"):
        query = query.where(AuditEntry.action == action)
    return ctx.render("audit.html", entries=ctx.uow.session.execute(query).scalars().all(), actions=audit.ACTIONS)


PAGES = [
    Page("GET", "/", Perm.VIEW, home),
    Page("GET", "/audit", Perm.AUDIT, audit_log),
]
