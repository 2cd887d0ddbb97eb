"""The scheduler process: periodic jobs (the inbox/outbox sweep, the money relay's sweep, reconciliation)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta

from onecard.bootstrap import Platform
from store.models import utcnow
from workers.broadcast_resume import resume_stalled_broadcasts
from workers.money.orders import expire_unconfirmed
from workers.reconcile.run import reconcile
from workers.reconcile.schedule import due_day
from workers.reminders import remind_due_loans
from workers.sweeper import sweep

log = logging.getLogger("onecard.scheduler")


def run_scheduler(platform: Platform, stop: threading.Event | None = None) -> None:
    """Run until `stop` is set (or, in the main thread, until SIGTERM/SIGINT)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    older_than = timedelta(seconds=platform.settings.redeliver_after_seconds)
    log.info("scheduler started: sweeping every %ss", platform.settings.sweep_interval_seconds)
    next_reminders = next_resume = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_resume:
            next_resume = time.monotonic() + 60
            try:
                resume_stalled_broadcasts(platform)
            except Exception:
                log.exception("broadcast sweep failed; trying again next period")
        if time.monotonic() >= next_reminders:
            next_reminders = time.monotonic() + platform.settings.loan_reminder_interval_seconds
            try:
                remind_due_loans(platform)
            except Exception:
                log.exception("library reminders failed; trying again next period")
        try:
            sweep(platform.engine, older_than=older_than, enqueue_event=platform.enqueue_event,
                  deliver=platform.deliver)
        except Exception:
            log.exception("sweep failed; trying again next period")
        money_jobs(platform)
        stop.wait(platform.settings.sweep_interval_seconds)


def money_jobs(platform: Platform) -> None:
    """Confirmations that timed out end cancelled; due outbox entries go to a relay; daily reconciliation."""
    if platform.money is None:
        return
    try:
        expire_unconfirmed(platform.engine, utcnow())
        relay = platform.relay()
        relay.sweep(timedelta(seconds=platform.settings.redeliver_after_seconds))
        day = due_day(platform.engine, utcnow(), platform.settings.reconcile_at)
        if day is not None:
            reconcile(platform.engine, platform.money, day, triggered_by="scheduler", relay=relay,
                      stuck_after=timedelta(seconds=platform.settings.reconcile_stuck_after_seconds))
    except Exception:  # the scheduler must outlive any one failure; the next period tries again
        log.exception("money jobs failed; trying again next period")
