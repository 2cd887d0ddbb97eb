"""One reconciliation run: fetch, match, repair what is safe, store the rest for an operator.

A run is numbered (its id) and says who started it (`scheduler`, `cli`, `admin:<name>`); while it
works its summary names the stage it is at, so the back-office can show the progress.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from adapters.keyed import OUTCOME_LABELS
from events.campus_time import SHANGHAI
from events.errors import OnecardError
from events.money_kinds import FEE_CODES, STATUS_LABELS, TERMINAL, OrderStatus, ledger_memo
from store.tables import Discrepancy, MoneyOrder, ReconciliationRun, utcnow
from workers.money.ports import MoneyPorts
from workers.money.reconcile import tradebill
from workers.money.reconcile.fees import FeeOrder, classify_fees
from workers.money.reconcile.match import Finding, OrderFacts, classify
from workers.money.reconcile.statement import Line, parse
from workers.money.relay import Relay

log = logging.getLogger("onecard.reconcile")
#: What a running run is doing, in order (the back-office shows it).
STAGES = ("核对对账单", "核对卡账", "核对缴费记录", "检查停在中间状态的订单")


#: Whose statement a run matches: the top-ups that go through it, and its Chinese name.
SOURCES = {"bank": ("topup", "银行对账单（圈存）"), "wechatpay": ("wxtopup", "微信支付交易账单")}


def _statement(money: MoneyPorts, source: str, day: date) -> list[Line]:
    """The day's statement lines. WeChat Pay generates no bill for a day without trades: no lines,
    and the day is still matched, so that our own payments of that day show as platform-only."""
    if source == "wechatpay":
        if money.wechatpay is None:
            raise RuntimeError("WeChat Pay is not configured (ONECARD_WECHATPAY_*)")
        bill = money.wechatpay.tradebill(day.isoformat())
        if bill is None:
            log.info("WeChat Pay has no trade bill for %s: no trade or refund that day", day)
            return []
        return tradebill.parse(bill)
    return parse(money.bank.statement(day.isoformat()))


def _facts(engine: Engine, day: date, order_nos: set[str], kind: str) -> dict[str, OrderFacts]:
    """Top-ups the statement listed, or whose money moved on `day` (a day's margin for cross-midnight items)."""
    start = datetime.combine(day, time(), SHANGHAI) - timedelta(days=1)
    end = start + timedelta(days=3)
    with Session(engine) as session:
        rows = session.execute(select(MoneyOrder).where(MoneyOrder.kind == kind, or_(
            MoneyOrder.order_no.in_(order_nos), MoneyOrder.moved_at.between(start, end),
            MoneyOrder.undone_at.between(start, end)))).scalars()
        return {o.order_no: OrderFacts(o.order_no, o.amount_fen, o.status, o.moved_at, o.undone_at) for o in rows}


def _card_findings(engine: Engine, money: MoneyPorts, day: date, kind: str, progress: bool,
                   paid: set[str] | None = None) -> list[tuple[Finding, str | None]]:
    """Top-ups that moved on `day`: the card ledger must hold exactly the credits of the done ones.
    A done top-up whose credit the card system never saw is finished (补写) with the same key, if
    its money is known to have arrived (`paid`: the orders the statement shows paid; None: all)."""
    start = datetime.combine(day, time(), SHANGHAI)
    with Session(engine) as session:
        rows = session.execute(select(MoneyOrder.order_no, MoneyOrder.amount_fen, MoneyOrder.status,
                                      MoneyOrder.student_no).where(
            MoneyOrder.kind == kind, MoneyOrder.moved_at >= start, MoneyOrder.moved_at < start + timedelta(days=1),
            MoneyOrder.status.in_((OrderStatus.DONE, OrderStatus.REVERSED, OrderStatus.REFUNDED)))).all()
    findings: list[tuple[Finding, str | None]] = []
    for order_no, amount, status, student_no in tqdm(rows, desc="card ledger", disable=not progress, unit="order"):
        credit = money.ledger.query(f"{order_no}:credit")
        if (status == OrderStatus.DONE) == credit.applied:
            continue
        credited = OUTCOME_LABELS.get(credit.status, credit.status)
        finding = Finding(order_no, "card_mismatch", 0, amount if status == OrderStatus.DONE else 0,
                          f"订单状态：{STATUS_LABELS.get(status, status)}，卡账入账：{credited}")
        done = None
        if status == OrderStatus.DONE and credit.status == "not_found" and (paid is None or order_no in paid):
            redo = money.ledger.credit(f"{order_no}:credit", order_no=order_no, student_no=student_no,
                                       amount_fen=amount, memo=ledger_memo(kind))
            done = "已自动补写入卡" if redo.applied else None
        findings.append((finding, done))
    return findings


def _fee_orders(engine: Engine, day: date, order_nos: set[str]) -> dict[str, FeeOrder]:
    """Fee payments the fee systems listed, or whose money moved around `day`."""
    start = datetime.combine(day, time(), SHANGHAI) - timedelta(days=1)
    with Session(engine) as session:
        rows = session.execute(select(MoneyOrder).where(MoneyOrder.kind.in_(FEE_CODES), or_(
            MoneyOrder.order_no.in_(order_nos), MoneyOrder.moved_at.between(start, start + timedelta(days=3))))
        ).scalars()
        return {o.order_no: FeeOrder(o.order_no, o.kind, o.amount_fen, o.status, o.moved_at) for o in rows}


def _stuck(engine: Engine, older_than: timedelta, source: str) -> list[tuple[int, str, str]]:
    """Orders left in an intermediate state: WeChat Pay's by its run, every other kind by the bank's."""
    wechat = MoneyOrder.kind == SOURCES["wechatpay"][0]
    with Session(engine) as session:
        rows = session.execute(
            select(MoneyOrder.id, MoneyOrder.order_no, MoneyOrder.status).where(
                wechat if source == "wechatpay" else ~wechat,
                MoneyOrder.status.not_in(TERMINAL | {OrderStatus.AWAITING}),
                MoneyOrder.updated_at < utcnow() - older_than)).all()
        return [(order_id, order_no, status) for order_id, order_no, status in rows]


def repair(finding: Finding, money: MoneyPorts, source: str = "bank") -> str | None:
    """The safe bank repair: reverse an orphan debit (长款). What was done, or None.

    A reversal alone on a day's statement is the other half of such a repair (or of the relay's own
    unwinding) made after midnight: ours, already done, nothing to decide. A WeChat Pay payment for
    no order of ours is left to an operator (refunded_user), who knows its payer.
    """
    no = finding.order_no
    if source != "bank":
        return None
    try:
        if finding.kind == "bank_only" and finding.bank_fen > 0:
            outcome = money.bank.reverse(f"{no}:reverse", debit_key=f"{no}:debit", order_no=no)
            return "已自动冲正这笔孤立扣款" if outcome.applied else None
        if finding.kind == "bank_only" and finding.bank_fen < 0 and money.bank.query(f"{no}:reverse").applied:
            return "这是平台此前对孤立扣款的冲正，已完成"
    except OnecardError as exc:
        log.warning("repair of %s failed: %s", finding.order_no, exc)
    return None


def open_run(engine: Engine, day: date, triggered_by: str, source: str = "bank") -> int:
    """Number a run before it works, so whoever started it can follow it."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    with Session(engine) as session, session.begin():
        run = ReconciliationRun(statement_date=day.isoformat(), triggered_by=triggered_by, status="running",
                                started_at=utcnow(), source=source, summary={"stage": STAGES[0]})
        session.add(run)
        session.flush()
        return run.id


def _stage(engine: Engine, run_id: int, stage: str) -> None:
    with Session(engine) as session, session.begin():
        session.get_one(ReconciliationRun, run_id).summary = {"stage": stage}


def reconcile(engine: Engine, money: MoneyPorts, day: date, *, triggered_by: str, relay: Relay | None = None,
              stuck_after: timedelta = timedelta(minutes=10), progress: bool = False, run_id: int | None = None,
              source: str = "bank") -> int:
    """Run reconciliation of `source`'s statement for `day` (Asia/Shanghai); the run's id. Every finding
    is stored. `run_id`: a run `open_run` numbered already (the back-office starts it, then follows it)."""
    run_id = open_run(engine, day, triggered_by, source) if run_id is None else run_id
    try:
        summary = _match_and_store(engine, money, day, run_id, relay, stuck_after, progress, source)
    except Exception as exc:  # the run ends failed, not "running" forever; the scheduler tries again
        with Session(engine) as session, session.begin():
            run = session.get_one(ReconciliationRun, run_id)
            run.status, run.finished_at, run.summary = "failed", utcnow(), {"error": repr(exc)[:500]}
        raise
    log.info("reconciliation %s for %s: %s", run_id, day, summary)
    return run_id


def _match_and_store(engine: Engine, money: MoneyPorts, day: date, run_id: int, relay: Relay | None,
                     stuck_after: timedelta, progress: bool, source: str) -> dict[str, int]:
    kind = SOURCES[source][0]
    lines = _statement(money, source, day)
    findings = classify(day, list(tqdm(lines, desc="statement", disable=not progress, unit="line")),
                        _facts(engine, day, {line.order_no for line in lines}, kind))
    paid = {line.order_no for line in lines if line.kind == "debit"} if source == "wechatpay" else None
    checked = [(f, repair(f, money, source)) for f in findings]
    _stage(engine, run_id, STAGES[1])
    checked += _card_findings(engine, money, day, kind, progress, paid)
    records = []
    if source == "bank":  # the fee systems' records are checked once a day, with the bank's run
        _stage(engine, run_id, STAGES[2])
        records = money.fees.records(day.isoformat())
        checked += [(f, None) for f in classify_fees(day, records,
                                                     _fee_orders(engine, day, {r.order_no for r in records}))]
    _stage(engine, run_id, STAGES[3])
    rows: list[Discrepancy] = []
    for f, done in checked:
        status = "explained" if f.kind == "timing" else ("repaired" if done else "open")
        rows.append(Discrepancy(run_id=run_id, order_no=f.order_no, kind=f.kind, bank_fen=f.bank_fen,
                                platform_fen=f.platform_fen, detail=f.detail + (f"；{done}" if done else ""),
                                status=status))
    for order_id, order_no, status in tqdm(_stuck(engine, stuck_after, source), desc="stuck", disable=not progress):
        ended = relay.drive(order_id) if relay is not None else "no relay"
        was, now = STATUS_LABELS.get(status, status), STATUS_LABELS.get(ended, ended)
        rows.append(Discrepancy(run_id=run_id, order_no=order_no, kind="stuck", detail=f"原为{was}，现为{now}",
                                status="repaired" if ended in TERMINAL else "open"))
    summary = {"lines": len(lines), "fee_records": len(records), "findings": len(rows)}
    for row in rows:
        summary[row.status] = summary.get(row.status, 0) + 1
        summary[row.kind] = summary.get(row.kind, 0) + 1
    with Session(engine) as session, session.begin():
        session.add_all(rows)
        run = session.get_one(ReconciliationRun, run_id)
        run.status, run.finished_at, run.summary = "done", utcnow(), summary
    return summary
