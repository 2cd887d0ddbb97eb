"""The scheduler process: periodic jobs, each run once per period however many schedulers run.

Start two schedulers for availability: `store.schedule.claim` lets one of them run each period of
each job (`onecard.jobs`). Each job has a thread of its own, so a reconciliation that takes minutes
never holds back the sweeps.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from onecard.bootstrap import Platform
from onecard.jobs import Job, jobs
from store import schedule

log = logging.getLogger("onecard.scheduler")

#: A job run this often is routine: its claims are logged at DEBUG, the rarer ones (daily) at INFO.
ROUTINE = timedelta(minutes=5)


def claim_level(job: Job) -> int:
    return logging.DEBUG if job.every is not None and job.every <= ROUTINE else logging.INFO


class Scheduler:
    """Claims each due period of each job in the database and runs the ones it won in threads."""

    def __init__(self, platform: Platform, listed: list[Job] | None = None) -> None:
        self.platform = platform
        self.jobs = jobs(platform) if listed is None else listed
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.seen: dict[str, int] = {}
        self.running: dict[str, Future[None]] = {}
        #: When to look again whether a job with `retry_after` failed and may run again.
        self.retry_at: dict[str, datetime] = {}
        # One thread per job: a job never runs beside itself, so none ever waits for another's thread.
        self.pool = ThreadPoolExecutor(max_workers=max(1, len(self.jobs)), thread_name_prefix="job")

    def tick_seconds(self) -> float:
        halves = [j.every.total_seconds() / 2 for j in self.jobs if j.every is not None]
        return min([self.platform.settings.scheduler_tick_seconds, *halves])

    def tick(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        for job in self.jobs:
            period = job.period(now)
            busy = job.name in self.running and not self.running[job.name].done()
            retry = job.retry_after is not None and now >= self.retry_at.get(job.name, now)
            if busy or (period <= self.seen.get(job.name, -1) and not retry):
                continue
            failed_before = now - job.retry_after if job.retry_after is not None else None
            won = schedule.claim(self.platform.engine, job.name, period, first_period=job.first_period(now),
                                 holder=self.holder, failed_before=failed_before)
            self.seen[job.name] = period
            if job.retry_after is not None:
                self.retry_at[job.name] = now + job.retry_after
            if won:
                log.log(claim_level(job), "job %s claimed for period %d", job.name, period)
                self.running[job.name] = self.pool.submit(self._run, job, period)

    def _run(self, job: Job, period: int) -> None:
        error = None
        try:
            job.run(self.platform)
        except Exception as exc:  # the scheduler must outlive any one failure
            log.exception("job %s failed for period %d; %s", job.name, period,
                          f"tried again after {job.retry_after}" if job.retry_after else "next period tries again")
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
