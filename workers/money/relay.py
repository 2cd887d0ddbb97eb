"""The outbox relay: drives claimed orders through their state machine, one keyed step at a time.

Woken by the broker (the `relay_orders` actor on the topup queue: right after a confirmation and
after each pause) and by the scheduler's sweep, which claims due entries nobody is working on.
No network call runs inside a database transaction: read, call, then a short conditional write.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from events.money_kinds import TERMINAL
from store import outbound
from store.db import retry_locked
from workers.money import outbox
from workers.money.machine import advance
from workers.money.ports import MoneyPorts

log = logging.getLogger("onecard.relay")

#: The longest a receipt waits for the confirmation's answer still being sent (a send's own timeout).
RECEIPT_WAIT_SECONDS = 5.0
#: Wake a relay for an order after `delay` seconds (0: now).
Wake = Callable[[int, float], None]


def _soon(attempt: int) -> float:
    """The relay's writes are a single short statement: a locked one is tried again soon."""
    return 0.02 * (attempt + 1)


def relay_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(0.2 * 2 ** min(attempts, 10), 30.0))


@dataclass
class Relay:
    engine: Engine
    ports: MoneyPorts
    wake: Wake
    deliver: Callable[[int, str], None]
    lease: timedelta = timedelta(seconds=30)
    max_attempts: int = 8
    name: str = ""
    #: A WeChat Pay order nobody paid is closed after this long.
    close_after: timedelta = timedelta(minutes=15)
    #: How long an order waits after its n-th unknown outcome (or unpaid poll) before the next try.
    pause_after: Callable[[int], timedelta] = backoff

    def __post_init__(self) -> None:
        self.name = self.name or relay_name()

    def drive(self, order_id: int) -> str:
        """Take the order (if free and due) and step it until it ends or must wait; what happened."""
        me = f"{self.name}:{uuid.uuid4().hex[:6]}"
        if not retry_locked(lambda: outbox.claim_order(self.engine, order_id, me, self.lease), pause=_soon):
            return "not_claimed"
        return self.run_claimed(order_id, me)

    def run_claimed(self, order_id: int, me: str) -> str:
        while True:
            view = retry_locked(lambda: outbox.load(self.engine, order_id), pause=_soon)
            if view.status in TERMINAL:  # ended, but the entry was left open by a crash: close it
                return view.status
            step = advance(view, self.ports, self.max_attempts, self.close_after.total_seconds())
            pause = self.pause_after(view.attempts)
            recorded = retry_locked(
                lambda: outbox.record(self.engine, view, step, me, self.lease, pause), pause=_soon  # noqa: B023
            )
            if recorded is None:
                log.warning("order %s: claim lost while at %s", view.order_no, view.status)
                return "claim_lost"
            if recorded.receipt_id is not None:
                # Never before the confirmation's own answer: wait while it is on the wire (milliseconds).
                if recorded.before_receipt:
                    outbound.wait_until_done(self.engine, recorded.before_receipt, RECEIPT_WAIT_SECONDS)
                self.deliver(recorded.receipt_id, "wechat")
            if recorded.terminal:
                log.info("order %s ended %s", view.order_no, step.status)
                return step.status
            if step.retry:
                retry_locked(lambda: outbox.release(self.engine, order_id, me), pause=_soon)
                self.wake(order_id, pause.total_seconds())
                return "retry"

    def sweep(self, overdue: timedelta, limit: int = 100) -> int:
        """Hand entries overdue by `overdue` that nobody holds to a relay actor; how many.

        Only overdue ones: a wake-up was lost or a relay died (its lease ran out). The hand-over
        claim lasts `overdue` too, so a busy queue is not flooded with copies while it drains.
        """
        token = f"{outbox.SWEEP}{self.name}"
        hold = max(self.lease, overdue)
        order_ids = retry_locked(lambda: outbox.claim_due(self.engine, token, hold, limit, overdue), pause=_soon)
        for order_id in order_ids:
            self.wake(order_id, 0)
        if order_ids:
            log.info("relay sweep handed over %d orders", len(order_ids))
        return len(order_ids)
