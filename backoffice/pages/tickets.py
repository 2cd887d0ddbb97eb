"""Repair tickets: list and filter, reply, change status; the user is told of each through WeChat."""

from __future__ import annotations

from sqlalchemy import or_, select
from starlette.responses import Response

from backoffice.listing import paginate
from backoffice.pages.lookup import condition
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from store.search import contains
from store.tables import Binding, RepairTicket
from workers.topics.repair import STATUS, change_ticket_status, conversation, reply_to_ticket

SORTS = {"created_at": RepairTicket.id, "updated_at": RepairTicket.updated_at, "status": RepairTicket.status,
         "category": RepairTicket.category}


def _snap(ticket: RepairTicket) -> dict[str, object]:
    return {"status": ticket.status, "reply": ticket.reply}


def _ticket(ctx: Ctx) -> RepairTicket:
    ticket = ctx.uow.session.get(RepairTicket, ctx.int_param("id"))
    if ticket is None:
        raise LookupError(f"报修单 {ctx.param('id')}")
    return ticket


def list_tickets(ctx: Ctx) -> Response:
    params = dict(ctx.request.query_params)
    query = select(RepairTicket)
    if status := params.get("status"):
        query = query.where(RepairTicket.status == status)
    if category := params.get("category"):
        query = query.where(RepairTicket.category == category)
    if q := params.get("q", "").strip()[:64]:
        reporters = select(Binding.openid).where(condition(q))
        query = query.where(or_(contains(RepairTicket.ticket_no, q), RepairTicket.openid == q,
                                contains(RepairTicket.location, q), RepairTicket.openid.in_(reporters)))
    listing = paginate(ctx.uow.session, query, params, SORTS, "created_at")
    categories = ctx.uow.session.execute(select(RepairTicket.category).distinct()).scalars().all()
    return ctx.render("tickets.html", tickets=listing.items, listing=listing, reporters=_reporters(ctx, listing.items),
                      statuses=STATUS, categories=sorted(categories), params=params)


def _reporters(ctx: Ctx, tickets: list[RepairTicket]) -> dict[str, Binding]:
    """Who reported each ticket, as bound now (name, student number, phone), so the office can call back."""
    openids = {t.openid for t in tickets}
    if not openids:
        return {}
    return {b.openid: b for b in ctx.uow.session.execute(select(Binding).where(Binding.openid.in_(openids))).scalars()}


def show_ticket(ctx: Ctx) -> Response:
    ticket = _ticket(ctx)
    reporter = _reporters(ctx, [ticket]).get(ticket.openid)
    return ctx.render("ticket.html", ticket=ticket, statuses=STATUS, reporter=reporter,
                      entries=conversation(ctx.uow.session, ticket.id))


def reply_ticket(ctx: Ctx) -> Response:
    ticket = _ticket(ctx)
    text = ctx.form.get("reply", "").strip()[:1000]
    if not text:
        return ctx.redirect(f"/tickets/{ticket.id}", err="reply_empty")
    before, number, ticket_id = _snap(ticket), ticket.ticket_no, ticket.id
    ctx.uow.rollback()  # reply_to_ticket writes (and pushes) in its own transaction
    reply_to_ticket(ctx.platform.uow, ctx.platform.pusher, ticket_id, ctx.operator, text)
    ctx.audit_apart("ticket reply", f"ticket {number}", before=before, after=_snap(_ticket(ctx)))
    return ctx.redirect(f"/tickets/{ticket_id}", ok="ticket_replied")


def set_ticket_status(ctx: Ctx) -> Response:
    ticket = _ticket(ctx)
    status = ctx.form.get("status", "")
    if status not in STATUS:
        return ctx.redirect(f"/tickets/{ticket.id}", err="unknown_status")
    before, number, ticket_id = _snap(ticket), ticket.ticket_no, ticket.id
    ctx.uow.rollback()
    note = ctx.form.get("note", "").strip()[:500] or None
    change_ticket_status(ctx.platform.uow, ctx.platform.pusher, ticket_id, ctx.operator, status, note)
    ctx.audit_apart("ticket status", f"ticket {number}", before=before, after=_snap(_ticket(ctx)))
    return ctx.redirect(f"/tickets/{ticket_id}", ok="ticket_status")


PAGES = [
    Page("GET", "/tickets", Perm.VIEW, list_tickets),
    Page("GET", "/tickets/{id:int}", Perm.VIEW, show_ticket),
    Page("POST", "/tickets/{id:int}/reply", Perm.ACT, reply_ticket),
    Page("POST", "/tickets/{id:int}/status", Perm.ACT, set_ticket_status),
]
