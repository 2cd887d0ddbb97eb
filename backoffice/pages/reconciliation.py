"""Reconciliation: each day's result, the discrepancies by class, and the operator's recorded decision."""

from __future__ import annotations

from starlette.responses import Response

from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from store.tables import Discrepancy, ReconciliationRun
from workers.money.reconcile import review
from workers.money.reconcile.resolve import DECISIONS, CannotResolve, resolve_discrepancy
from workers.money.reconcile.run import SOURCES


def _snap(item: Discrepancy) -> dict[str, object]:
    return {"kind": item.kind, "order_no": item.order_no, "platform_fen": item.platform_fen,
            "bank_fen": item.bank_fen, "status": item.status, "decision": item.decision,
            "operator": item.operator, "note": item.note}


def runs(ctx: Ctx) -> Response:
    return ctx.render("reconciliation.html", runs=review.runs(ctx.uow.session), statuses=review.RUN_STATUSES,
                      sources={code: name for code, (_kind, name) in SOURCES.items()})


def run(ctx: Ctx) -> Response:
    found = ctx.uow.session.get(ReconciliationRun, ctx.int_param("id"))
    if found is None:
        raise LookupError(f"对账批次 {ctx.param('id')}")
    kind = ctx.request.query_params.get("kind") or None
    return ctx.render("reconciliation_run.html", run=found, items=review.discrepancies(ctx.uow.session, found.id, kind),
                      kinds=review.KINDS, statuses=review.STATUSES, run_statuses=review.RUN_STATUSES,
                      decisions=DECISIONS, kind=kind, source=SOURCES.get(found.source, ("", found.source))[1])


def resolve(ctx: Ctx) -> Response:
    discrepancy_id = ctx.int_param("id")
    decision, note = ctx.form.get("decision", ""), ctx.form.get("note", "").strip()[:500]
    item = ctx.uow.session.get(Discrepancy, discrepancy_id)
    if item is None:
        raise LookupError(f"对账差异 {discrepancy_id}")
    back = f"/reconciliation/{item.run_id}"
    if decision not in DECISIONS or not note:
        return ctx.redirect(back, err="请选择处理决定并填写说明")
    before = _snap(item)
    try:
        resolve_discrepancy(ctx.uow.session, discrepancy_id, ctx.operator, decision, note)
    except CannotResolve:
        state = review.STATUSES.get(item.status, item.status)
        return ctx.redirect(back, err=f"差异 {discrepancy_id}（{state}）无法再处理")
    ctx.audit("discrepancy resolved", f"discrepancy {discrepancy_id}", before=before, after=_snap(item))
    ctx.uow.commit()
    return ctx.redirect(back, ok=f"差异 {discrepancy_id} 已处理")


PAGES = [
    Page("GET", "/reconciliation", Perm.VIEW, runs),
    Page("GET", "/reconciliation/{id:int}", Perm.VIEW, run),
    Page("POST", "/reconciliation/discrepancies/{id:int}/resolve", Perm.ACT, resolve),
]
