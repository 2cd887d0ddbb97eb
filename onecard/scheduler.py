"""The scheduler process: periodic jobs, each run once per period however many schedulers run.

Add a job by appending one line to `JOBS`: a name, what to run (a function of the Platform), and
either `every=` (a timedelta, or a function of the settings) or `daily_at=` (Asia/Shanghai time).
Start two schedulers for availability; `store.schedule.claim` lets one of them run each period.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onecard.bootstrap import Platform
from onecard.settings import Settings
from store import schedule
from store.tables import utcnow
from workers.delivery.broadcast.resume import resume_stalled_broadcasts
from workers.jobs.reminders import remind_due_loans
from workers.jobs.sweeper import sweep
from workers.money.orders import expire_unconfirmed
from workers.money.reconcile.run import reconcile
from workers.money.reconcile.schedule import due_day

log = logging.getLogger("onecard.scheduler")
LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Platform], object]
    every: timedelta | Callable[[Settings], timedelta] | None = None
    #: Wall-clock time in Asia/Shanghai, e.g. time(2, 0) for the nightly reconciliation.
    daily_at: time | None = None

    def interval(self, settings: Settings) -> timedelta | None:
        return self.every(settings) if callable(self.every) else self.every

    def period(self, now: datetime, settings: Settings) -> int:
        """A number that grows by one each time the job is due: the key of exactly-once."""
        interval = self.interval(settings)
        if interval is not None:
            return int(now.timestamp() // interval.total_seconds())
        assert self.daily_at is not None, f"job {self.name} needs every= or daily_at="
        local = now.astimezone(LOCAL)
        day = local.date() if local.time() >= self.daily_at else local.date() - timedelta(days=1)
        return day.toordinal()

    def first_period(self, now: datetime, settings: Settings) -> int:
        """Interval jobs run at once on a fresh database; daily jobs wait for their time."""
        current = self.period(now, settings)
        return current - 1 if self.interval(settings) is not None else current


def sweep_job(platform: Platform) -> None:
    sweep(platform.engine, older_than=timedelta(seconds=platform.settings.redeliver_after_seconds),
          enqueue_events=platform.enqueue_events, deliver=platform.deliver_many)


#: The periodic jobs. Append one line per job.
JOBS: list[Job] = [
    Job("sweep", sweep_job, every=lambda s: timedelta(seconds=s.sweep_interval_seconds)),
    Job("resume_broadcasts", lambda p: resume_stalled_broadcasts(p.uow, p.broker), every=timedelta(seconds=60)),
    Job("library_reminders", lambda p: remind_due_loans(p.uow, p.ports.campus, p.pusher),
        every=lambda s: timedelta(seconds=s.loan_reminder_interval_seconds)),
    Job("money", lambda p: money_jobs(p), every=lambda s: timedelta(seconds=s.sweep_interval_seconds)),
]


class Scheduler:
    """Claims each due period of each job in the database and runs the ones it won in threads."""

    def __init__(self, platform: Platform, jobs: list[Job] | None = None) -> None:
        self.platform = platform
        self.jobs = JOBS if jobs is None else jobs
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.seen: dict[str, int] = {}
        self.running: dict[str, Future[None]] = {}
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="job")

    def tick_seconds(self) -> float:
        intervals = [i.total_seconds() for j in self.jobs if (i := j.interval(self.platform.settings))]
        return min([self.platform.settings.scheduler_tick_seconds, *(i / 2 for i in intervals)])

    def tick(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        settings = self.platform.settings
        for job in self.jobs:
            period = job.period(now, settings)
            busy = job.name in self.running and not self.running[job.name].done()
            if period <= self.seen.get(job.name, -1) or busy:
                continue
            won = schedule.claim(self.platform.engine, job.name, period,
                                 first_period=job.first_period(now, settings), holder=self.holder)
            self.seen[job.name] = period
            if won:
                log.info("job %s claimed for period %d", job.name, period)
                self.running[job.name] = self.pool.submit(self._run, job, period)

    def _run(self, job: Job, period: int) -> None:
        error = None
        try:
            job.run(self.platform)
        except Exception as exc:
            log.exception("job %s failed for period %d; next period tries again", job.name, period)
            error = repr(exc)
        schedule.finish(self.platform.engine, job.name, period, error)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


def run_scheduler(platform: Platform, stop: threading.Event | None = None) -> None:
    """Run until `stop` is set (or, in the main thread, until SIGTERM/SIGINT)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    scheduler = Scheduler(platform)
    log.info("scheduler %s started: %s", scheduler.holder, ", ".join(j.name for j in scheduler.jobs))
    while not stop.is_set():
        try:
            scheduler.tick()
        except Exception:
            log.exception("scheduler tick failed; trying again")
        stop.wait(scheduler.tick_seconds())
    scheduler.shutdown()  # a job in progress finishes before the process exits


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
