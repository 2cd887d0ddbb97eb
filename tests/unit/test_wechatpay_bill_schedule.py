"""When WeChat Pay's trade bill of a day exists (10:00 the next day, Asia/Shanghai), and the scheduled
WeChat Pay reconciliation, retries included, asking only for a bill that exists."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from adapters.wechatpay.port import bill_ready, latest_bill_day
from events.campus_time import SHANGHAI
from onecard import jobs
from onecard.bootstrap import Platform
from onecard.settings import Settings

DAY = date(2031, 3, 4)


@pytest.mark.parametrize(("now", "latest"), [
    (datetime(2031, 3, 5, 0, 0, tzinfo=SHANGHAI), date(2031, 3, 3)),  # the day just over: not yet
    (datetime(2031, 3, 5, 9, 59, 59, tzinfo=SHANGHAI), date(2031, 3, 3)),
    (datetime(2031, 3, 5, 2, 0, tzinfo=UTC), DAY),  # 10:00 in Shanghai
    (datetime(2031, 3, 5, 23, 59, tzinfo=SHANGHAI), DAY),
])
def test_a_days_bill_exists_from_ten_the_next_morning_in_shanghai(now: datetime, latest: date) -> None:
    assert latest_bill_day(now) == latest
    assert bill_ready(DAY, now) == (latest == DAY)
    assert not bill_ready(now.astimezone(SHANGHAI).date(), now)  # never the bill of a day not over


def _platform() -> Platform:
    return cast(Platform, SimpleNamespace(settings=Settings(_env_file=None),
                                          money=SimpleNamespace(wechatpay=object())))


def test_the_wechatpay_run_and_its_retries_ask_only_for_bills_that_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the deployment's WeChat Pay reconciliation, whose every try is recorded
    job = next(j for j in jobs.jobs(_platform()) if j.name == "reconcile_wechatpay")
    assert (job.daily_at, job.retry_after) == (time(10, 30), timedelta(minutes=30))
    asked: list[tuple[date, str]] = []
    monkeypatch.setattr(jobs, "reconcile_day", lambda _platform, day, source: asked.append((day, source)))
    # When it runs at 10:30 and then fails every half hour until its next run
    assert job.daily_at is not None and job.retry_after is not None
    start = datetime.combine(DAY, job.daily_at, SHANGHAI)
    tries = [start + n * job.retry_after for n in range(48)]
    for now in tries:
        jobs.reconcile_wechatpay_bill(_platform(), now)
    # Then each try asked for a bill WeChat Pay had: yesterday's, and after midnight still not the
    # day just over, until its bill came at 10:00
    assert all(bill_ready(day, now) and source == "wechatpay" for (day, source), now in zip(asked, tries, strict=True))
    assert [day for day, _ in asked] == [DAY - timedelta(days=1)] * 47 + [DAY]


def test_no_wechatpay_reconciliation_is_listed_when_it_is_switched_off() -> None:
    platform = _platform()
    platform.settings.reconcile_wechatpay_at = ""
    assert "reconcile_wechatpay" not in {j.name for j in jobs.jobs(platform)}
