""""Due in 3 days" reminders for library loans, run by the scheduler.

One call to the data store per run (every loan due on that day), matched against bindings; the
unique (student, loan, due date) row makes a second run, or a second scheduler, send nothing again.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.campusdata.port import CampusData, DueLoan
from events.campus_time import SHANGHAI
from events.notices import Field, Notice, NoticeKind
from store.db import retry_locked
from store.tables import Binding, LoanReminder
from store.uow import UowFactory
from workers.delivery.push import Pusher
from workers.text.periods import local_today

log = logging.getLogger("onecard.reminders")

DAYS_BEFORE = 3


def remind_due_loans(uow_factory: UowFactory, campus: CampusData | None, pusher: Pusher,
                     now: datetime | None = None) -> int:
    """Push a reminder for every bound reader's loan due in three days; returns how many were sent."""
    if campus is None:
        return 0
    now = now or datetime.now(UTC)
    due_on = local_today(now) + timedelta(days=DAYS_BEFORE)
    due = campus.loans_due_on(due_on)
    sent = sum(retry_locked(functools.partial(_remind, uow_factory, pusher, item, due_on, now)) for item in due)
    if sent:
        log.info("sent %d library due reminders for %s", sent, due_on)
    return sent


def _remind(uow_factory: UowFactory, pusher: Pusher, item: DueLoan, due_on: date, now: datetime) -> bool:
    """Record and push one reminder; False when the reader is not bound or was reminded already."""
    with uow_factory() as uow:
        binding = uow.session.execute(select(Binding).where(Binding.student_no == item.student_no)).scalar()
        if binding is None:
            return False
        uow.session.add(LoanReminder(student_no=item.student_no, loan_id=item.loan.id, due_on=due_on, sent_at=now))
        try:
            uow.session.flush()
        except IntegrityError:
            return False  # already reminded
        text = (f"《{item.loan.title}》将于 {due_on.month}月{due_on.day}日到期（{DAYS_BEFORE} 天后），"
                "请及时续借或归还。")
        due = datetime.combine(due_on, time(23, 59), SHANGHAI)
        pusher.push(uow, binding.openid, Notice(NoticeKind.LOAN_DUE, f"【借阅到期提醒】\n{text}",
                                                {Field.ITEM: item.loan.title, Field.TIME: due,
                                                 Field.REASON: "请及时续借或归还"}), now)
        uow.commit()
        return True
