"""Reconciliation: each run (numbered, when, started by whom) with its findings by class, what was repaired
by itself and what waits for a decision; a clerk starts a run for a date here and watches it work.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

from starlette.responses import JSONResponse, Response

from adapters.wechatpay.port import bill_ready
from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from events.campus_time import SHANGHAI
from onecard.bootstrap import Platform
from store.tables import Discrepancy, ReconciliationRun, utcnow
from workers.money.ports import MoneyPorts
from workers.money.reconcile import review
from workers.money.reconcile.resolve import DECISIONS, CannotResolve, resolve_discrepancy
from workers.money.reconcile.run import SOURCES, open_run, reconcile

log = logging.getLogger("onecard.backoffice")
#: A run still `running` after this was cut short (its process restarted): the page says so.
STALE = timedelta(minutes=30)


def _snap(item: Discrepancy) -> dict[str, object]:
    return {"kind": item.kind, "order_no": item.order_no, "platform_fen": item.platform_fen,
            "bank_fen": item.bank_fen, "status": item.status, "decision": item.decision,
            "operator": item.operator, "note": item.note}


def _today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def runs(ctx: Ctx) -> Response:
    return ctx.render("reconciliation.html", runs=review.runs(ctx.uow.session), statuses=review.RUN_STATUSES,
                      kinds=review.KINDS, trigger=review.trigger_label, yesterday=_today() - timedelta(days=1),
                      today=_today(), sources={code: name for code, (_kind, name) in SOURCES.items()},
                      wechatpay=ctx.platform.money is not None and ctx.platform.money.wechatpay is not None)


def _run(ctx: Ctx) -> ReconciliationRun:
    found = ctx.uow.session.get(ReconciliationRun, ctx.int_param("id"))
    if found is None:
        raise LookupError(f"对账批次 {ctx.param('id')}")
    return found


def run(ctx: Ctx) -> Response:
    found = _run(ctx)
    kind = ctx.request.query_params.get("kind") or None
    view = review.views(ctx.uow.session, [found])[0]
    return ctx.render("reconciliation_run.html", run=found, view=view,
                      items=review.discrepancies(ctx.uow.session, found.id, kind), kinds=review.KINDS,
                      statuses=review.STATUSES, run_statuses=review.RUN_STATUSES, decisions=DECISIONS, kind=kind,
                      trigger=review.trigger_label, stale=found.started_at < utcnow() - STALE,
                      source=SOURCES.get(found.source, ("", found.source))[1])


def run_state(ctx: Ctx) -> Response:
    """What a running run's page polls: its status and the stage it is at."""
    found = _run(ctx)
    return JSONResponse({"status": found.status, "status_label": review.RUN_STATUSES.get(found.status, ""),
                         "stage": (found.summary or {}).get("stage", "")})


def _work(platform: Platform, money: MoneyPorts, day: date, run_id: int, operator: str, source: str) -> None:
    try:
        reconcile(platform.engine, money, day, triggered_by=f"admin:{operator}",
                  relay=platform.relay(), run_id=run_id, source=source)
    except Exception:  # recorded on the run as failed; the page shows it
        log.exception("reconciliation %s for %s failed", run_id, day)


def start(ctx: Ctx) -> Response:
    """Number a run for the chosen date and let it work in the background; its page follows it."""
    try:
        day = date.fromisoformat(ctx.form.get("date", "").strip())
    except ValueError:
        return ctx.redirect("/reconciliation", err="reconcile_no_date")
    if day > _today():
        return ctx.redirect("/reconciliation", err="reconcile_future")
    source = ctx.form.get("source", "bank")
    money = ctx.platform.money
    if money is None or source not in SOURCES or (source == "wechatpay" and money.wechatpay is None):
        return ctx.redirect("/reconciliation", err="reconcile_unconfigured")
    if source == "wechatpay" and not bill_ready(day, utcnow()):  # WeChat Pay would answer STATEMENT_CREATING
        return ctx.redirect("/reconciliation", err="reconcile_bill_not_ready")
    ctx.uow.rollback()  # the run is numbered in a transaction of its own
    run_id = open_run(ctx.platform.engine, day, f"admin:{ctx.operator}", source)
    ctx.audit_apart("reconciliation started", f"reconciliation {run_id}",
                    after={"date": day.isoformat(), "source": source})
    threading.Thread(target=_work, args=(ctx.platform, money, day, run_id, ctx.operator, source), daemon=True,
                     name=f"reconcile-{run_id}").start()
    return ctx.redirect(f"/reconciliation/{run_id}", ok="reconcile_started", id=run_id)


def resolve(ctx: Ctx) -> Response:
    discrepancy_id = ctx.int_param("id")
    decision, note = ctx.form.get("decision", ""), ctx.form.get("note", "").strip()[:500]
    item = ctx.uow.session.get(Discrepancy, discrepancy_id)
    if item is None:
        raise LookupError(f"对账差异 {discrepancy_id}")
    back = f"/reconciliation/{item.run_id}"
    if decision not in DECISIONS or not note:
        return ctx.redirect(back, err="decision_needed")
    before = _snap(item)
    try:
        resolve_discrepancy(ctx.uow.session, discrepancy_id, ctx.operator, decision, note)
    except CannotResolve:
        return ctx.redirect(back, err="cannot_resolve", id=discrepancy_id, state=item.status)
    ctx.audit("discrepancy resolved", f"discrepancy {discrepancy_id}", before=before, after=_snap(item))
    ctx.uow.commit()
    return ctx.redirect(back, ok="resolved", id=discrepancy_id)


PAGES = [
    Page("GET", "/reconciliation", Perm.VIEW, runs),
    Page("POST", "/reconciliation", Perm.ACT, start),
    Page("GET", "/reconciliation/{id:int}", Perm.VIEW, run),
    Page("GET", "/reconciliation/{id:int}/state", Perm.VIEW, run_state),
    Page("POST", "/reconciliation/discrepancies/{id:int}/resolve", Perm.ACT, resolve),
]
