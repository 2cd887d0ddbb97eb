"""The scheduler process: periodic jobs (the inbox/outbox sweep for now)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import timedelta

from onecard.bootstrap import Platform
from workers.broadcast_resume import resume_stalled_broadcasts
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
        stop.wait(platform.settings.sweep_interval_seconds)
