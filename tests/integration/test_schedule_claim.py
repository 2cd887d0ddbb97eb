"""The database claim behind the scheduler: one winner per period, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from store import schedule
from store.db import make_engine
from store.migrate import upgrade
from tests.backends import private_database


def test_racing_claims_for_one_period_have_exactly_one_winner(tmp_path: Path) -> None:
    with private_database(tmp_path, "claims") as url:
        upgrade(url)
        engines = [make_engine(url) for _ in range(2)]  # two schedulers, two connection pools
        try:
            def race(period: int) -> int:
                with ThreadPoolExecutor(8) as pool:
                    wins = pool.map(lambda i: schedule.claim(engines[i % 2], "job", period, first_period=0,
                                                             holder=f"s{i}"), range(8))
                    return sum(wins)

            assert [race(p) for p in (1, 2, 3)] == [1, 1, 1]
            assert race(2) == 0  # a period already run is never run again
        finally:
            for engine in engines:
                engine.dispose()


def test_a_new_daily_job_waits_for_its_time_and_an_interval_job_starts_at_once() -> None:
    from onecard.jobs import Job

    nightly = Job("nightly", lambda p: None, daily_at=time(2, 0))
    before_two = datetime(2026, 3, 1, 17, 59, tzinfo=UTC)  # 01:59 in Shanghai
    at_two = before_two + timedelta(minutes=1)
    assert nightly.period(at_two) == nightly.period(before_two) + 24 * 3600 * 1000  # a day later, in ms
    assert nightly.first_period(before_two) == nightly.period(before_two)
    every = Job("often", lambda p: None, every=timedelta(seconds=5))
    assert every.first_period(at_two) == every.period(at_two) - 1
