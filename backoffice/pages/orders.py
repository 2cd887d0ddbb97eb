"""Orders (订单): every top-up and fee payment, paged, sorted and found by part of a student number or an
order number, with the state its money reached (reconciliation's findings name these orders).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from starlette.responses import Response

from backoffice.listing import paginate
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from events.money_kinds import BY_CODE
from store.search import contains
from store.tables import MoneyOrder
from workers.money.orders import STATUS_LABELS

SORTS = {"created_at": MoneyOrder.id, "amount": MoneyOrder.amount_fen, "status": MoneyOrder.status,
         "student_no": MoneyOrder.student_no}


def kind_labels() -> dict[str, str]:
    return {code: kind.name for code, kind in BY_CODE.items()}


def list_orders(ctx: Ctx) -> Response:
    params = dict(ctx.request.query_params)
    query = select(MoneyOrder)
    if status := params.get("status"):
        query = query.where(MoneyOrder.status == status)
    if kind := params.get("kind"):
        query = query.where(MoneyOrder.kind == kind)
    if q := params.get("q", "").strip()[:64]:
        query = query.where(or_(contains(MoneyOrder.student_no, q), contains(MoneyOrder.order_no, q.upper())))
    listing = paginate(ctx.uow.session, query, params, SORTS, "created_at")
    return ctx.render("orders.html", orders=listing.items, listing=listing, params=params, statuses=STATUS_LABELS,
                      kinds=kind_labels())


PAGES = [Page("GET", "/orders", Perm.VIEW, list_orders)]
