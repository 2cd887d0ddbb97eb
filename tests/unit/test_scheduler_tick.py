"""The scheduler's tick: a reconciliation that runs for minutes does not hold back the sweeps."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import create_engine

from onecard.bootstrap import Platform
from onecard.jobs import Job
from onecard.scheduler import Scheduler, claim_level
from onecard.settings import Settings
from store.tables import Base, ScheduledJob


def test_a_slow_reconciliation_does_not_delay_the_sweep_jobs(tmp_path: Path) -> None:
    # Given a scheduler with two sweep jobs and a nightly reconciliation that blocks until released
    engine = create_engine(f"sqlite:///{tmp_path / 'schedule.db'}")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[ScheduledJob.__tablename__]])
    platform = cast(Platform, SimpleNamespace(engine=engine, settings=Settings(_env_file=None)))
    reconciling, release = threading.Event(), threading.Event()
    swept: dict[str, list[int]] = {"sweep": [], "money_sweep": []}
    lock = threading.Lock()

    def reconcile(_platform: Any) -> None:
        reconciling.set()
        release.wait(30)

    def sweeper(name: str) -> Any:
        def run(_platform: Any) -> None:
            with lock:
                swept[name].append(1)
        return run

    scheduler = Scheduler(platform, [
        Job("reconcile", reconcile, daily_at=time(2, 0)),
        Job("sweep", sweeper("sweep"), every=timedelta(seconds=5)),
        Job("money_sweep", sweeper("money_sweep"), every=timedelta(seconds=5)),
    ])
    before_two = datetime(2031, 3, 4, 17, 59, 58, tzinfo=UTC)  # 01:59:58 in Shanghai
    try:
        scheduler.tick(before_two)
        _wait_for_idle_sweeps(scheduler)
        # When the reconciliation is due and runs on, while the sweeps come round twice more
        scheduler.tick(before_two + timedelta(seconds=5))
        assert reconciling.wait(10), "the reconciliation did not start"
        for seconds in (10, 15):
            _wait_for_idle_sweeps(scheduler)
            scheduler.tick(before_two + timedelta(seconds=seconds))
        _wait_for_idle_sweeps(scheduler)
        # Then every sweep period ran although the reconciliation has not finished
        assert not scheduler.running["reconcile"].done()
        assert swept == {"sweep": [1, 1, 1, 1], "money_sweep": [1, 1, 1, 1]}
    finally:
        release.set()
        scheduler.shutdown()
        engine.dispose()


def _wait_for_idle_sweeps(scheduler: Scheduler) -> None:
    for name in ("sweep", "money_sweep"):
        scheduler.running[name].result(timeout=10)


def test_a_failed_nightly_job_runs_again_after_its_retry_delay_and_not_once_it_succeeded(tmp_path: Path) -> None:
    # Given a nightly job whose partner is down for its first run
    engine = create_engine(f"sqlite:///{tmp_path / 'schedule.db'}")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[ScheduledJob.__tablename__]])
    platform = cast(Platform, SimpleNamespace(engine=engine, settings=Settings(_env_file=None)))
    outcomes = [RuntimeError("statement not there yet"), None]
    runs: list[int] = []

    def nightly(_platform: Any) -> None:
        runs.append(1)
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure

    scheduler = Scheduler(platform, [Job("reconcile", nightly, daily_at=time(2, 0), retry_after=timedelta(minutes=15))])
    at_two = datetime(2031, 3, 4, 18, 0, 1, tzinfo=UTC)  # 02:00:01 in Shanghai
    try:
        scheduler.tick(at_two - timedelta(seconds=2))  # the day's first sight of the job: waits for 02:00
        # When it fails at two, then the scheduler looks again before and after the delay, twice
        for minutes in (0, 5, 16, 17, 40):
            scheduler.tick(at_two + timedelta(minutes=minutes))
            if "reconcile" in scheduler.running:
                scheduler.running["reconcile"].result(timeout=10)
        # Then it ran at two and once more after the delay, and not again once it had succeeded
        assert len(runs) == 2
    finally:
        scheduler.shutdown()
        engine.dispose()


def test_a_job_whose_interval_grows_keeps_running(tmp_path: Path) -> None:
    # Given a sweep that ran every 5 s, redeployed to run every 60 s
    engine = create_engine(f"sqlite:///{tmp_path / 'schedule.db'}")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[ScheduledJob.__tablename__]])
    platform = cast(Platform, SimpleNamespace(engine=engine, settings=Settings(_env_file=None)))
    runs: list[str] = []
    now = datetime(2031, 3, 4, 18, 0, 1, tzinfo=UTC)
    try:
        for every, label in ((timedelta(seconds=5), "before"), (timedelta(seconds=60), "after")):
            scheduler = Scheduler(platform, [Job("sweep", functools.partial(_record, runs, label), every=every)])
            scheduler.tick(now)
            scheduler.shutdown()
            now += timedelta(seconds=61)
        # Then the redeployed job still wins its next period
        assert runs == ["before", "after"]
    finally:
        engine.dispose()


def _record(runs: list[str], label: str, _platform: Any) -> None:
    runs.append(label)


def test_routine_claims_are_logged_at_debug_and_daily_ones_at_info(tmp_path: Path, caplog: Any) -> None:
    # Given a scheduler with a 5-second sweep and a daily job, both due
    import logging

    engine = create_engine(f"sqlite:///{tmp_path / 'schedule.db'}")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[ScheduledJob.__tablename__]])
    platform = cast(Platform, SimpleNamespace(engine=engine, settings=Settings(_env_file=None)))
    scheduler = Scheduler(platform, [Job("sweep", lambda _p: None, every=timedelta(seconds=5)),
                                     Job("reconcile", lambda _p: None, daily_at=time(2, 0))])
    # When it ticks with DEBUG captured
    with caplog.at_level(logging.DEBUG, logger="onecard.scheduler"):
        scheduler.tick(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
        scheduler.shutdown()
    # Then the sweep's claim is DEBUG (every 5 s at INFO drowned the log); a daily job's stays INFO
    levels = {r.getMessage().split()[1]: r.levelno for r in caplog.records if "claimed" in r.getMessage()}
    assert levels["sweep"] == logging.DEBUG
    assert claim_level(scheduler.jobs[1]) == logging.INFO
