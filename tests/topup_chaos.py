"""The money chaos run, shared by the test suite (small) and `bench/bench_topup_chaos.py` (large).

Orders are placed as a confirmation places them (order + outbox in one transaction, then a wake-up);
relay worker processes are SIGKILLed at random while the bank, card ledger and fee simulators
inject faults. Afterwards the money must add up to the fen, from the simulators' own journals.
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
from events.campus_time import SHANGHAI
from store.tables import MoneyOrder, utcnow
from tests.harness import OUTPUT, ROOT, Stack
from workers.money import orders
from workers.money.orders import TERMINAL
from workers.money.reconcile.run import reconcile

WORKER_ENV = {"ONECARD_MONEY_CALL_TIMEOUT_SECONDS": "0.5", "ONECARD_RELAY_LEASE_SECONDS": "2",
              "ONECARD_RELAY_MAX_ATTEMPTS": "6", "ONECARD_RECONCILE_AT": ""}
FAULTS = {"error_rate": 0.08, "timeout_after_commit_rate": 0.08, "lost_reply_ms": 700, "duplicate_rate": 0.1,
          "latency_ms": 5}
PAYMENTS = [("net", None, 3000), ("donation", None, 10000), ("power", "10-305", 2550), ("photo", None, 500)]


def holders(stack: Stack, count: int) -> list[DemoHolder]:
    """Card holders for `count` orders; the first has no bank account, the second a cancelled card."""
    made = [DemoHolder(f"C{i:06d}", f"测试{i}", f"1390000{i:04d}", f"62{i:08d}", 1_000_000,
                       status="cancelled" if i == 1 else "normal") for i in range(count // 3 + 2)]
    for holder in made:
        stack.simulators.card.add_holder(holder)
    stack.simulators.bank.unlinked |= {made[0].student_no}  # its top-ups fail plainly
    return made


def place(stack: Stack, holders: list[DemoHolder], count: int, rng: random.Random, pause: float) -> list[int]:
    """`count` confirmed orders, top-ups and payments (some refused), `pause` seconds apart."""
    ids = []
    for _ in range(count):
        time.sleep(pause)
        n = rng.getrandbits(48)
        holder = rng.choice(holders)
        kind, target, fen = ("topup", None, rng.randint(1, 50_000)) if rng.random() < 0.6 else rng.choice(PAYMENTS)
        with stack.platform.uow() as uow:
            now = utcnow()
            order = orders.ask(uow.session, openid=f"chaos{n}", student_no=holder.student_no, kind=kind,
                               target=target or holder.student_no, amount_fen=fen, now=now, confirm_seconds=300)
            orders.confirm(uow.session, order, event_id=None, reply_deadline=now, now=now)  # type: ignore[arg-type]
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
    try:
        for wave in range(kills):
            ids += place(stack, people, count * (wave + 1) // kills - len(ids), rng, 0.0)
            time.sleep(rng.uniform(0.3, 1.5))
            pool.stop(signal.SIGKILL)
            pool = stack.start_workers("topup", "reply", processes=processes, threads=4, name="chaos",
                                       extra_env=WORKER_ENV)
        set_faults(stack, None)  # the storm is over: everything must now settle by itself
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
            if op["status"] in ("applied", "reversed"):
                applied[op["order_no"]][f"{system}:{step}"] += 1
                moved[f"{system}:{step}"] += op["amount_fen"]
    wrong = []
    expected = {  # (kind is topup, status) -> the steps that must have applied, exactly once each
        (True, "done"): {"bank:debit", "card:credit"}, (True, "reversed"): {"bank:debit", "bank:reverse"},
        (True, "failed"): set(), (False, "done"): {"card:debit", "fees:fee"},
        (False, "refunded"): {"card:debit", "card:refund"}, (False, "failed"): set(),
    }
    for order_no, kind, status, _fen in rows:
        steps = applied.get(order_no, Counter())
        if expected.get((kind == "topup", status)) != set(steps) or any(n != 1 for n in steps.values()):
            wrong.append((order_no, kind, status, dict(steps)))
    bank_net = moved["bank:debit"] - moved["bank:reverse"]
    today = utcnow().astimezone(SHANGHAI).date()
    unexplained = 0
    for day in sorted({today, (utcnow() - timedelta(minutes=15)).astimezone(SHANGHAI).date()}):
        run_id = reconcile(stack.platform.engine, stack.platform.money, day, triggered_by="chaos")  # type: ignore[arg-type]
        unexplained += open_discrepancies(stack, run_id)
    return {
        "statuses": dict(Counter(status for _, _, status, _ in rows)),
        "not_terminal": sum(1 for _, _, status, _ in rows if status not in TERMINAL),
        "wrong_orders": wrong[:10], "wrong_count": len(wrong),
        "bank_debits_net_fen": bank_net, "card_topup_credits_fen": moved["card:credit"],
        "card_payment_debits_net_fen": moved["card:debit"] - moved["card:refund"], "fee_credits_fen": moved["fees:fee"],
        "unexplained_differences": unexplained,
        "faults_injected": {name: dict(getattr(sims, name).faults.injected) for name in ("bank", "card", "fees")},
    }


def open_discrepancies(stack: Stack, run_id: int) -> int:
    from store.tables import Discrepancy

    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Discrepancy).where(
            Discrepancy.run_id == run_id, Discrepancy.status == "open")).scalar_one())
