"""每日账单: at 21:00 Asia/Shanghai, each holder who asked gets the day's spending, count, top merchant
and balance. Once per holder per day however many schedulers run it: the alert's `once_key` is
inserted first, and only the scheduler whose insert went in records the message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from events.campus_time import SHANGHAI
from events.notices import Notice
from store import outbound
from store.db import dialect_insert
from store.tables import AlertSetting, Binding, CardAlert, CardTransactionRow, table_of
from store.uow import UowFactory
from workers.alerts import messages
from workers.delivery.outgoing import notices

#: Holders per transaction: small pages keep each commit short; a rerun skips the holders already sent
PAGE = 500

_ALERT = table_of(CardAlert)
_SENT_BY = (update(_ALERT).where(_ALERT.c.id == bindparam("aid"))
            .values(outbound_id=bindparam("oid"), channel=bindparam("by")))


def send_daily_summaries(uow_factory: UowFactory, deliver: Callable[[list[tuple[int, str]]], None],
                         now: datetime) -> int:
    """Record and hand over today's summaries; how many this call sent."""
    day = now.astimezone(SHANGHAI).date()
    sent, after = 0, ""
    while True:
        with uow_factory() as uow:
            holders = uow.session.execute(
                select(AlertSetting.openid, Binding.student_no).join(Binding, Binding.openid == AlertSetting.openid)
                .where(AlertSetting.daily_summary.is_(True), AlertSetting.openid > after)
                .order_by(AlertSetting.openid).limit(PAGE)).all()
            if not holders:
                return sent
            after = holders[-1].openid
            lines = _day_lines(uow.session, [h.student_no for h in holders], day)
            won = [(alert_id, openid, _notice(lines.get(student_no, []), now)) for openid, student_no in holders
                   if (alert_id := _claim(uow.session, openid, student_no, day, now)) is not None]
            new = _record(uow.session, won, now)
            if new:
                uow.after_commit(functools.partial(deliver, new))
            uow.commit()
            sent += len(new)


def _day_lines(session: Any, student_nos: list[str], day: date) -> dict[str, list[Any]]:
    start = datetime.combine(day, time(), SHANGHAI)
    rows = session.execute(select(CardTransactionRow.student_no, CardTransactionRow.amount_fen,
                                  CardTransactionRow.balance_fen, CardTransactionRow.merchant,
                                  CardTransactionRow.occurred_at)
                           .where(CardTransactionRow.student_no.in_(student_nos),
                                  CardTransactionRow.occurred_at >= start,
                                  CardTransactionRow.occurred_at < start + timedelta(days=1)))
    by_holder: dict[str, list[Any]] = {}
    for row in rows:
        by_holder.setdefault(row.student_no, []).append(row)
    return by_holder


def _notice(lines: list[Any], now: datetime) -> Notice:
    """One holder's day as its notice: what was spent where, and the balance after the day's last transaction."""
    balance = max(lines, key=lambda r: r.occurred_at).balance_fen if lines else None
    return messages.summary([(-r.amount_fen, r.merchant) for r in lines if r.amount_fen < 0], balance, now)


def _claim(session: Any, openid: str, student_no: str, day: date, now: datetime) -> int | None:
    """The holder's summary alert for the day, if this scheduler's insert went in; None: another has it."""
    insert = dialect_insert(session.get_bind().dialect.name, CardAlert.__table__)
    alert_id = session.execute(insert.on_conflict_do_nothing(index_elements=["once_key"]).returning(CardAlert.id), {
        "openid": openid, "student_no": student_no, "kind": "summary", "channel": "template",  # until planned
        "created_at": now, "once_key": f"summary:{openid}:{day.isoformat()}"}).scalar()
    return None if alert_id is None else int(alert_id)


def _record(session: Any, won: list[tuple[int, str, Notice]], now: datetime) -> list[tuple[int, str]]:
    """The page's summaries planned at once and linked to their alerts: (outbound id, channel) to send."""
    if not won:
        return []
    planned = notices(session, [(openid, notice) for _, openid, notice in won], now)
    ids = outbound.add_many(session, planned)  # a notice is always recorded to be sent
    sent = [(oid, message.channel) for oid, message in zip(ids, planned, strict=True)]
    session.execute(_SENT_BY, [{"aid": alert_id, "oid": oid, "by": channel}
                               for (alert_id, _, _), (oid, channel) in zip(won, sent, strict=True)])
    return sent
