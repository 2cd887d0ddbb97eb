"""每日账单: at 21:00 Asia/Shanghai, each holder who asked gets the day's spending, count, top merchant
and balance. Once per holder per day however many schedulers run it: the alert's `once_key` is
inserted first, and only the scheduler whose insert went in records the message."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from events.campus_time import SHANGHAI
from store import outbound
from store.db import dialect_insert
from store.tables import AlertSetting, Binding, CardAlert, CardTransactionRow
from store.uow import UowFactory
from workers.alerts import messages
from workers.text.format import yuan

#: Holders per transaction: small pages keep each commit short; a rerun skips the holders already sent
PAGE = 500


def send_daily_summaries(uow_factory: UowFactory, deliver: Callable[[list[tuple[int, str]]], None],
                         template_id: str, now: datetime) -> int:
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
            new: list[tuple[int, str]] = []
            for openid, student_no in holders:
                outbound_id = _record(uow.session, openid, student_no, day, lines.get(student_no, []), template_id, now)
                if outbound_id is not None:
                    new.append((outbound_id, "template"))
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


def text(lines: list[Any]) -> tuple[str, str, str]:
    """(amount, balance, content) of one holder's day."""
    spent = [r for r in lines if r.amount_fen < 0]
    if not spent:
        return "0.00 元", "", "今天没有消费记录。"
    total = -sum(r.amount_fen for r in spent)
    by_merchant: Counter[str] = Counter()
    for r in spent:
        by_merchant[r.merchant] -= r.amount_fen
    top, top_fen = by_merchant.most_common(1)[0]
    balance = max(lines, key=lambda r: r.occurred_at).balance_fen
    return (f"{yuan(total)} 元", f"{yuan(balance)} 元",
            f"今天消费 {len(spent)} 笔，共 {yuan(total)} 元；花得最多的是{top}（{yuan(top_fen)} 元）；"
            f"余额 {yuan(balance)} 元。")


def _record(session: Any, openid: str, student_no: str, day: date, lines: list[Any], template_id: str,
            now: datetime) -> int | None:
    insert = dialect_insert(session.get_bind().dialect.name, CardAlert.__table__)
    alert_id = session.execute(insert.on_conflict_do_nothing(index_elements=["once_key"]).returning(CardAlert.id), {
        "openid": openid, "student_no": student_no, "kind": "summary", "channel": "template",
        "created_at": now, "once_key": f"summary:{openid}:{day.isoformat()}"}).scalar()
    if alert_id is None:  # another scheduler has it
        return None
    amount, balance, content = text(lines)
    row = outbound.add(session, channel="template", recipient=openid, body=messages.template(
        template_id, "summary", at=now, amount=amount, balance=balance, merchant="", content=content))
    session.flush()
    session.execute(update(CardAlert).where(CardAlert.id == alert_id).values(outbound_id=row.id))
    return int(row.id)
