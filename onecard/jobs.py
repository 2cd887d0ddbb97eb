"""What the scheduler runs: each periodic job, when it is due, and the list of this deployment's jobs.

A job runs `every` interval, or once a day `daily_at` a wall-clock time in Asia/Shanghai.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from adapters.wechatpay.port import latest_bill_day
from events.campus_time import SHANGHAI
from onecard.bootstrap import Platform
from store.tables import ReconciliationRun, utcnow
from workers.alerts.summary import send_daily_summaries
from workers.delivery.broadcast.resume import resume_stalled_broadcasts
from workers.delivery.templates import sync as sync_templates
from workers.jobs.reminders import remind_due_loans
from workers.jobs.sweeper import sweep
from workers.money.orders import expire_unconfirmed
from workers.money.reconcile.run import reconcile

log = logging.getLogger("onecard.scheduler")

#: A nightly reconciliation that failed (the bank's statement not there yet, a timeout) runs again.
RECONCILE_RETRY = timedelta(minutes=15)
#: WeChat Pay's, after half an hour: "如仍返回该报错可间隔半小时再重试" (its FAQ on STATEMENT_CREATING,
#: pay.weixin.qq.com/doc/v3/merchant/4013071254).
WECHATPAY_RECONCILE_RETRY = timedelta(minutes=30)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Platform], object]
    every: timedelta | None = None
    #: Wall-clock time in Asia/Shanghai, e.g. time(2, 0) for the nightly reconciliation.
    daily_at: time | None = None
    #: A failed run is tried again after this, until its period ends (None: at the next period).
    retry_after: timedelta | None = None

    def period(self, now: datetime) -> int:
        """When the current period began, in epoch milliseconds: the key of exactly-once.

        A time, not a count of intervals, so that it only ever grows: after a deployment changes a
        job's interval, its next period is still later than the one last claimed.
        """
        if self.every is not None:
            step = max(1, int(self.every.total_seconds() * 1000))
            return int(now.timestamp() * 1000) // step * step
        assert self.daily_at is not None, f"job {self.name} needs every= or daily_at="
        local = now.astimezone(SHANGHAI)
        day = local.date() if local.time() >= self.daily_at else local.date() - timedelta(days=1)
        return int(datetime.combine(day, self.daily_at, SHANGHAI).timestamp() * 1000)

    def first_period(self, now: datetime) -> int:
        """Interval jobs run at once on a fresh database; daily jobs wait for their time."""
        current = self.period(now)
        return current - 1 if self.every is not None else current


#: How often the account's templates are listed again from WeChat.
TEMPLATE_SYNC = timedelta(hours=1)


def jobs(platform: Platform) -> list[Job]:
    """The periodic jobs of this deployment: money jobs only where the money systems are configured."""
    s = platform.settings
    sweep_every = timedelta(seconds=s.sweep_interval_seconds)
    listed = [
        Job("sweep", sweep_events, every=sweep_every),
        Job("resume_broadcasts", lambda p: resume_stalled_broadcasts(p.uow, p.broker, p.deliver_in_bulk),
            every=timedelta(seconds=60)),
        Job("library_reminders", lambda p: remind_due_loans(p.uow, p.ports.campus, p.pusher),
            every=timedelta(seconds=s.loan_reminder_interval_seconds)),
        # A template the school adds in the WeChat console is used within the hour, and notices held
        # for the want of one go out on the sweeper's next round.
        Job("sync_templates", lambda p: sync_templates(p.uow, p.wechat), every=TEMPLATE_SYNC),
    ]
    if s.alert_summary_at:
        listed.append(Job("daily_summary", daily_summaries, daily_at=time.fromisoformat(s.alert_summary_at)))
    if platform.money is not None:
        listed.append(Job("money_sweep", sweep_money, every=sweep_every))
        if s.reconcile_at:
            listed.append(Job("reconcile", reconcile_yesterday, daily_at=time.fromisoformat(s.reconcile_at),
                              retry_after=RECONCILE_RETRY))
        if s.reconcile_wechatpay_at and platform.money.wechatpay is not None:
            listed.append(Job("reconcile_wechatpay", reconcile_wechatpay_bill,
                              daily_at=time.fromisoformat(s.reconcile_wechatpay_at),
                              retry_after=WECHATPAY_RECONCILE_RETRY))
    return listed


def sweep_events(platform: Platform) -> None:
    """Inbox events and outbound messages left unfinished past the deadline go to the broker again."""
    sweep(platform.engine, older_than=timedelta(seconds=platform.settings.redeliver_after_seconds),
          enqueue_events=platform.enqueue_events, deliver=platform.deliver_many)


def daily_summaries(platform: Platform) -> None:
    """每日账单 for every holder who asked, once per day whichever scheduler runs it."""
    send_daily_summaries(platform.uow, platform.deliver_many, utcnow())


def sweep_money(platform: Platform) -> None:
    """Confirmations that timed out end cancelled; outbox entries past their deadline go to a relay."""
    expire_unconfirmed(platform.engine, utcnow())
    platform.relay().sweep(timedelta(seconds=platform.settings.redeliver_after_seconds))


def reconcile_yesterday(platform: Platform) -> None:
    """Yesterday's (Asia/Shanghai) reconciliation of the bank's statement."""
    reconcile_day(platform, datetime.now(SHANGHAI).date() - timedelta(days=1), "bank")


def reconcile_wechatpay_bill(platform: Platform, now: datetime | None = None) -> None:
    """The reconciliation of the latest WeChat Pay trade bill there is: yesterday's from 10:00
    (Asia/Shanghai), when WeChat Pay has generated it, the day before's until then.

    Run daily at `reconcile_wechatpay_at` (10:30 by default) and, after a failure, every half hour
    until the next run, so a try after midnight still asks for the bill of the day it was scheduled
    for, never for one WeChat Pay would answer STATEMENT_CREATING for (`adapters.wechatpay.port.
    bill_ready`). Set before 10:00, the run reconciles the day before yesterday.
    """
    reconcile_day(platform, latest_bill_day(now or datetime.now(UTC)), "wechatpay")


def reconcile_day(platform: Platform, day: date, source: str) -> None:
    """`source`'s reconciliation of `day`, unless a run of it already finished (an operator's, or an
    earlier try's of the scheduler)."""
    assert platform.money is not None, "listed only with the money systems configured"
    if _reconciled(platform.engine, day.isoformat(), source):
        log.info("reconciliation of %s's %s already done", source, day)
        return
    reconcile(platform.engine, platform.money, day, triggered_by="scheduler", relay=platform.relay(),
              stuck_after=timedelta(seconds=platform.settings.reconcile_stuck_after_seconds), source=source)


def _reconciled(engine: Engine, day: str, source: str) -> bool:
    with Session(engine) as session:
        return session.execute(select(ReconciliationRun.id).where(
            ReconciliationRun.statement_date == day, ReconciliationRun.source == source,
            ReconciliationRun.status == "done")).first() is not None
