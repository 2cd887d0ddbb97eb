"""可疑交易: the transactions the alert rules found suspicious, and the card office's decision on each."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from store.tables import CardTransactionRow, SuspiciousTransaction, utcnow
from workers.alerts.messages import DECISION_LABELS as DECISIONS
from workers.alerts.messages import RULE_LABELS


def _snap(item: SuspiciousTransaction) -> dict[str, object]:
    return {"decision": item.decision, "note": item.note}


def list_suspicious(ctx: Ctx) -> Response:
    params = ctx.request.query_params
    query = (select(SuspiciousTransaction, CardTransactionRow)
             .join(CardTransactionRow, CardTransactionRow.id == SuspiciousTransaction.transaction_id)
             .order_by(SuspiciousTransaction.id.desc()).limit(200))
    state = params.get("state", "open")
    if state == "open":
        query = query.where(SuspiciousTransaction.decision.is_(None))
    if rule := params.get("rule"):
        query = query.where(SuspiciousTransaction.rule == rule)
    if q := params.get("q", "").strip():
        query = query.where(SuspiciousTransaction.student_no == q)
    return ctx.render("suspicious.html", items=ctx.uow.session.execute(query).all(), rules=RULE_LABELS,
                      decisions=DECISIONS, state=state, params=params)


def decide(ctx: Ctx) -> Response:
    item = ctx.uow.session.get(SuspiciousTransaction, ctx.int_param("id"))
    if item is None:
        raise LookupError(f"可疑交易 {ctx.param('id')}")
    decision, note = ctx.form.get("decision", ""), ctx.form.get("note", "").strip()[:500]
    if decision not in DECISIONS:
        return ctx.redirect("/suspicious", err="verdict_needed")
    if item.decision is not None:
        return ctx.redirect("/suspicious", err="suspicious_decided_before", id=item.id, verdict=item.decision or "")
    before = _snap(item)
    item.decision, item.note, item.decided_by, item.decided_at = decision, note or None, ctx.operator, utcnow()
    ctx.audit("suspicious decided", f"suspicious {item.id}", before=before, after=_snap(item))
    ctx.uow.commit()
    return ctx.redirect("/suspicious", ok="suspicious_decided", id=item.id, verdict=decision)


PAGES = [
    Page("GET", "/suspicious", Perm.VIEW, list_suspicious),
    Page("POST", "/suspicious/{id:int}/decide", Perm.ACT, decide),
]
