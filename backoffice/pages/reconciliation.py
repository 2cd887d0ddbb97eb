"""Reconciliation: each day's result, the discrepancies by class, and the operator's recorded decision."""

from __future__ import annotations

from dataclasses import asdict

from starlette.responses import Response

from backoffice.reconciliation import CLASSES, DECISIONS
from backoffice.roles import Perm
from backoffice.web import Ctx, Page


def runs(ctx: Ctx) -> Response:
    rec = ctx.bo.reconciliation
    return ctx.render("reconciliation.html", runs=rec.runs(ctx.uow))


def run(ctx: Ctx) -> Response:
    run_id = ctx.int_param("id")
    rec = ctx.bo.reconciliation
    found = [r for r in rec.runs(ctx.uow) if r.id == run_id]
    if not found:
        raise LookupError(f"对账批次 {run_id}")
    items = rec.discrepancies(ctx.uow, run_id)
    if cls := ctx.request.query_params.get("cls"):
        items = [d for d in items if d.cls == cls]
    return ctx.render("reconciliation_run.html", run=found[0], items=items, classes=CLASSES, decisions=DECISIONS,
                      cls=cls)


def resolve(ctx: Ctx) -> Response:
    rec = ctx.bo.reconciliation
    discrepancy_id = ctx.int_param("id")
    decision, note = ctx.form.get("decision", ""), ctx.form.get("note", "").strip()[:500]
    before = rec.discrepancy(ctx.uow, discrepancy_id)
    if before is None:
        raise LookupError(f"对账差异 {discrepancy_id}")
    if decision not in DECISIONS or not note:
        return ctx.redirect(f"/reconciliation/{before.run_id}", err="请选择处理决定并填写说明")
    after = rec.resolve_discrepancy(ctx.uow, discrepancy_id, decision, note, ctx.operator)
    ctx.audit("discrepancy resolved", f"discrepancy {discrepancy_id}", before=asdict(before), after=asdict(after))
    ctx.uow.commit()
    return ctx.redirect(f"/reconciliation/{before.run_id}", ok=f"差异 {discrepancy_id} 已处理")


PAGES = [
    Page("GET", "/reconciliation", Perm.VIEW, runs),
    Page("GET", "/reconciliation/{id:int}", Perm.VIEW, run),
    Page("POST", "/reconciliation/discrepancies/{id:int}/resolve", Perm.ACT, resolve),
]
