"""The money chaos run, shared by the test suite (small) and `bench/bench_topup_chaos.py` (large).

Orders are placed as a confirmation places them (order + outbox in one transaction, then a wake-up),
WeChat Pay top-ups as the page does (then mostly paid on the simulator's pay sheet); relay worker
processes are SIGKILLed at random while the bank, card ledger, fee and WeChat Pay simulators inject
faults (WeChat Pay: lost and repeated notifications, failing queries, payments landing as we close).
Afterwards the money must add up to the fen, from the simulators' own journals and books: paid with
WeChat Pay = credited to cards + refunded.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from adapters.cardsystem.demo import DemoHolder
from adapters.wechatpay.port import bill_ready_at
from events.campus_time import SHANGHAI
from events.errors import OnecardError
from store.db import begin_as_writer
from store.tables import Binding, MoneyOrder, utcnow
from tests.harness import OUTPUT, ROOT, Stack
from workers.money import orders, wechat_topup
from workers.money import start as money
from workers.money.amounts import Limits
from workers.money.orders import TERMINAL
from workers.money.reconcile.run import reconcile
from workers.text.format import yuan

WORKER_ENV = {"ONECARD_MONEY_CALL_TIMEOUT_SECONDS": "0.5", "ONECARD_RELAY_LEASE_SECONDS": "2",
              "ONECARD_RELAY_MAX_ATTEMPTS": "6", "ONECARD_RECONCILE_AT": "",
              "ONECARD_RECONCILE_WECHATPAY_AT": "",
              "ONECARD_WECHATPAY_CLOSE_AFTER_SECONDS": str(CLOSE_AFTER_SECONDS := 4)}
FAULTS = {"error_rate": 0.08, "timeout_after_commit_rate": 0.08, "lost_reply_ms": 700, "duplicate_rate": 0.1,
          "latency_ms": 5}
#: WeChat Pay: notifications lost and repeated, queries failing, payments landing as we close.
PAY_FAULTS = {"error_rate": 0.03, "lost_notify_rate": 0.25, "repeat_notify_rate": 0.3, "query_error_rate": 0.1,
              "pay_on_close_rate": 0.3}
#: Of the WeChat Pay orders: paid at once on the pay sheet, or left (closed, unless paid as we close).
PAID_SHARE = 0.75
NO_LIMITS = Limits(per_transaction_fen=10**9, per_day_fen=10**12)
PAYMENTS = [("net", None, 3000), ("donation", None, 10000), ("power", "10-305", 2550), ("photo", None, 500)]


def holders(stack: Stack, count: int) -> list[DemoHolder]:
    """Card holders for `count` orders; the first has no bank account, the second a cancelled card."""
    made = [DemoHolder(f"C{i:06d}", f"测试{i}", f"1390000{i:04d}", f"62{i:08d}", 1_000_000,
                       status="cancelled" if i == 1 else "normal") for i in range(count // 3 + 2)]
    for holder in made:
        stack.simulators.card.add_holder(holder)
    stack.simulators.bank.unlinked |= {made[0].student_no}  # its top-ups fail plainly
    with stack.platform.uow() as uow:  # WeChat Pay top-ups start from the page: the holder is bound
        begin_as_writer(uow.session)  # the relays are already writing: wait for the lock, do not fail
        uow.session.add_all(Binding(openid=bound(h), student_no=h.student_no, name=h.name, phone=h.phone)
                            for h in made)
        uow.commit()
    return made


def bound(holder: DemoHolder) -> str:
    return f"chaosB{holder.student_no}"


def place_wechat(stack: Stack, holder: DemoHolder, fen: int, rng: random.Random) -> None:
    """A WeChat Pay top-up as the page starts it; most are paid on the pay sheet at once."""
    assert stack.platform.money is not None and stack.platform.money.wechatpay is not None
    pays = rng.random() < PAID_SHARE  # drawn first: the same seed places the same orders, whatever fails
    try:
        request = wechat_topup.start(stack.platform.uow, stack.platform.money.wechatpay,
                                     money.asking(stack.platform.ports.card), openid=bound(holder),
                                     amount_text=yuan(fen), limits=NO_LIMITS, now=utcnow(),
                                     close_after=timedelta(seconds=CLOSE_AFTER_SECONDS), wake=stack.platform.wake_relay)
    except OnecardError:
        return  # the JSAPI order failed (an injected 5xx): the order is closed in time
    except money.Refused:
        return  # the cancelled card: the page refuses it before any order, as the chat does
    if pays:
        stack.simulators.wechatpay.pay(request.order_no)


def place(stack: Stack, holders: list[DemoHolder], count: int, rng: random.Random, pause: float) -> list[int]:
    """`count` orders, `pause` seconds apart: confirmed top-ups and payments (some refused), their ids;
    and WeChat Pay top-ups (whose ids `wechat_ids` finds: a failed JSAPI call leaves no number to tell)."""
    ids = []
    for _ in range(count):
        time.sleep(pause)
        n = rng.getrandbits(48)
        holder = rng.choice(holders)
        roll = rng.random()
        kind, target, fen = ("topup", None, rng.randint(1, 50_000)) if roll < 0.75 else rng.choice(PAYMENTS)
        if 0.5 <= roll < 0.75:
            place_wechat(stack, holder, rng.randint(1, 50_000), rng)
            continue
        with stack.platform.uow() as uow:
            now = utcnow()
            order = orders.ask(uow.session, openid=f"chaos{n}", student_no=holder.student_no, kind=kind,
                               target=target or holder.student_no, amount_fen=fen, now=now, confirm_seconds=300)
            # No inbox event confirms this order: the relay alone is under test.
            orders.confirm(uow.session, order, event_id=None, reply_deadline=now, now=now)
            uow.commit()
            ids.append(order.id)
        stack.platform.wake_relay(order.id)
    return ids


def open_orders(stack: Stack) -> int:
    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(MoneyOrder).where(
            MoneyOrder.status.not_in(TERMINAL))).scalar_one())


def settle(stack: Stack, patience: float = 60.0) -> None:
    """Wait while orders keep ending; give up after `patience` seconds without progress."""
    left, last_progress = open_orders(stack), time.monotonic()
    while left and time.monotonic() - last_progress < patience:
        time.sleep(0.5)
        now_left = open_orders(stack)
        if now_left < left:
            left, last_progress = now_left, time.monotonic()


def set_faults(stack: Stack, faults: dict[str, Any] | None) -> None:
    for system in ("bank", "card", "fees"):
        stack.money_faults(system, **(faults or {}))
    stack.money_faults("wechatpay", **(PAY_FAULTS if faults else {}))


def wechat_ids(stack: Stack) -> list[int]:
    """Every WeChat Pay order of the run (their numbers are WeChat Pay's to learn, not the placer's)."""
    with stack.platform.uow() as uow:
        return list(uow.session.execute(select(MoneyOrder.id).where(MoneyOrder.kind == "wxtopup")).scalars())


def run_chaos(stack: Stack, *, count: int, kills: int, seed: int = 7, processes: int = 1) -> dict[str, Any]:
    """Place `count` orders in `kills` waves; after each wave, SIGKILL the relay pool mid-flight and start a
    new one. Then the faults stop and everything must settle by itself (sweeps, leases, retries)."""
    rng = random.Random(seed)
    log = (OUTPUT / "scheduler-chaos.log").open("wb")
    scheduler = subprocess.Popen([sys.executable, "-m", "onecard.cli", "scheduler"], cwd=ROOT, stdout=log,
                                 stderr=subprocess.STDOUT, env={**os.environ, **stack.env, **WORKER_ENV},
                                 start_new_session=True)
    pool = stack.start_workers("topup", "reply", processes=processes, threads=4, name="chaos", extra_env=WORKER_ENV)
    set_faults(stack, FAULTS)
    started = time.monotonic()
    people = holders(stack, count)
    ids: list[int] = []
    placed = 0
    try:
        for wave in range(kills):
            batch = count * (wave + 1) // kills - placed
            ids += place(stack, people, batch, rng, 0.0)
            placed += batch
            time.sleep(rng.uniform(0.3, 1.5))
            pool.stop(signal.SIGKILL)
            pool = stack.start_workers("topup", "reply", processes=processes, threads=4, name="chaos",
                                       extra_env=WORKER_ENV)
        set_faults(stack, None)  # the storm is over: everything must now settle by itself
        ids += wechat_ids(stack)
        settle(stack)
        elapsed = time.monotonic() - started
    finally:
        pool.stop()
        os.killpg(scheduler.pid, signal.SIGTERM)
        scheduler.wait(timeout=20)
        log.close()
    return {**invariants(stack, ids), "orders": len(ids), "kills": kills, "seconds": round(elapsed, 1),
            "orders_per_second": round(len(ids) / elapsed, 1)}


def invariants(stack: Stack, ids: list[int]) -> dict[str, Any]:
    """The figures the money must satisfy, from the simulators' journals and our orders."""
    sims = stack.simulators
    with stack.platform.uow() as uow:
        rows = uow.session.execute(select(MoneyOrder.order_no, MoneyOrder.kind, MoneyOrder.status,
                                          MoneyOrder.amount_fen).where(MoneyOrder.id.in_(ids))).all()
    applied: dict[str, Counter[str]] = defaultdict(Counter)
    moved: Counter[str] = Counter()
    journals = (("bank", sims.bank.journal), ("card", sims.card.journal), ("fees", sims.fees.journal))
    for system, journal in journals:
        for op in journal.entries():
            step = op["key"].rsplit(":", 1)[1]
            if system == "card" and step == "credit" and op["order_no"].startswith("W"):
                step = "wxcredit"  # a WeChat Pay top-up's credit, counted apart from 圈存's
            if op["status"] in ("applied", "reversed"):
                applied[op["order_no"]][f"{system}:{step}"] += 1
                moved[f"{system}:{step}"] += op["amount_fen"]
    wrong = []
    expected = {  # (kind is topup, status) -> the steps that must have applied, exactly once each
        (True, "done"): {"bank:debit", "card:credit"}, (True, "reversed"): {"bank:debit", "bank:reverse"},
        (True, "failed"): set(), (False, "done"): {"card:debit", "fees:fee"},
        (False, "refunded"): {"card:debit", "card:refund"}, (False, "failed"): set(),
        ("wx", "done"): {"card:wxcredit"}, ("wx", "refunded"): set(), ("wx", "closed"): set(),
    }
    books = sims.wechatpay.books
    refunded: Counter[str] = Counter()
    for r in books.refunds.values():
        refunded[r.out_trade_no] += r.amount_fen
    for order_no, kind, status, fen in rows:
        steps = applied.get(order_no, Counter())
        key = ("wx", status) if kind == "wxtopup" else (kind == "topup", status)
        wrong_here = expected.get(key) != set(steps) or any(n != 1 for n in steps.values())
        if kind == "wxtopup":  # WeChat Pay's side: paid unless closed, refunded in full exactly when refunded
            paid = order_no in books.orders and books.orders[order_no].transaction_id is not None
            wrong_here |= paid != (status != "closed") or refunded[order_no] != (fen if status == "refunded" else 0)
        if wrong_here:
            wrong.append((order_no, kind, status, dict(steps)))
    bank_net = moved["bank:debit"] - moved["bank:reverse"]
    today = utcnow().astimezone(SHANGHAI).date()
    unexplained: Counter[str] = Counter()
    days = sorted({today, (utcnow() - timedelta(minutes=15)).astimezone(SHANGHAI).date()})
    with stack.wechatpay_time(bill_ready_at(days[-1])):  # tomorrow 10:00: WeChat Pay has today's bill
        for day in days:
            for source in ("bank", "wechatpay"):
                run_id = reconcile(stack.platform.engine, stack.money, day,
                                   triggered_by="chaos", source=source)
                unexplained.update(open_discrepancies(stack, run_id))
    return {
        "statuses": dict(Counter(status for _, _, status, _ in rows)),
        "not_terminal": sum(1 for _, _, status, _ in rows if status not in TERMINAL),
        "wrong_orders": wrong[:10], "wrong_count": len(wrong),
        "bank_debits_net_fen": bank_net, "card_topup_credits_fen": moved["card:credit"],
        "card_payment_debits_net_fen": moved["card:debit"] - moved["card:refund"], "fee_credits_fen": moved["fees:fee"],
        "wechatpay_paid_fen": sum(o.amount_fen for o in books.orders.values() if o.transaction_id),
        "wechatpay_credited_fen": moved["card:wxcredit"], "wechatpay_refunded_fen": sum(refunded.values()),
        "wechatpay_notifications": {"sent": sims.wechatpay.notifier.sent, "lost": sims.wechatpay.notifier.lost,
                                    "repeated": sims.wechatpay.notifier.repeated},
        "unexplained_differences": sum(unexplained.values()), "unexplained_kinds": dict(unexplained),
        "faults_injected": {name: dict(getattr(sims, name).faults.injected)
                            for name in ("bank", "card", "fees", "wechatpay")},
    }


def open_discrepancies(stack: Stack, run_id: int) -> list[str]:
    """The kinds of the run's findings that wait for a person: each one is unexplained."""
    from store.tables import Discrepancy

    with stack.platform.uow() as uow:
        return [f"{kind}: {detail}" for kind, detail in uow.session.execute(
            select(Discrepancy.kind, Discrepancy.detail).where(Discrepancy.run_id == run_id,
                                                                Discrepancy.status == "open")).all()]
