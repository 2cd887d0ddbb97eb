"""The relay's side of the outbox: claim entries (one relay per order), load, record each step.

PostgreSQL claims with `FOR UPDATE SKIP LOCKED`; SQLite, which has no row locks, with a
conditional UPDATE on claimed_by/claimed_until. Every write is conditional on still holding the
claim and on the status it read, so a relay whose lease ran out can never overwrite a newer step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.orm import Session

from events.money_kinds import TERMINAL
from store import outbound
from store.db import rowcount
from store.tables import MoneyOrder, MoneyOutbox, WeChatPayNotification, utcnow
from workers.delivery.outgoing import notices
from workers.money.machine import OrderView, Transition
from workers.money.receipts import receipt_notice

#: Claims taken by the scheduler's sweep start with this.
SWEEP = "sweep:"
#: The receipt's place among the confirming event's replies (the confirmation itself is seq 0).
RECEIPT_SEQ = 100


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(MoneyOutbox.claimed_until.is_(None), MoneyOutbox.claimed_until < now)


def claim_due(engine: Engine, me: str, lease: timedelta, limit: int, overdue: timedelta = timedelta(0)) -> list[int]:
    """Claim up to `limit` unclaimed entries due for at least `overdue` for `me`; their order ids."""
    now = utcnow()
    due = select(MoneyOutbox.id).where(MoneyOutbox.status == "pending", MoneyOutbox.next_attempt_at <= now - overdue,
                                       _free(now)).order_by(MoneyOutbox.next_attempt_at).limit(limit)
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "postgresql":
            ids = list(session.execute(due.with_for_update(skip_locked=True)).scalars())
        else:
            ids = list(session.execute(due).scalars())
        claimed = []
        for outbox_id in ids:  # on SQLite the conditional UPDATE is the lock
            result = session.execute(
                update(MoneyOutbox).where(MoneyOutbox.id == outbox_id, MoneyOutbox.status == "pending", _free(now))
                .values(claimed_by=me, claimed_until=now + lease).returning(MoneyOutbox.order_id))
            claimed += list(result.scalars())
        return claimed


def claim_order(engine: Engine, order_id: int, me: str, lease: timedelta) -> bool:
    """Claim one order's entry if it is free and due, or only held by a sweep's hand-over.

    A sweep's claim just keeps it from handing the entry over again and again while the queue
    drains; any relay that gets a wake-up for the order may take it from the sweep.
    """
    now = utcnow()
    takeable = MoneyOutbox.claimed_by.startswith(SWEEP) | (_free(now) & (MoneyOutbox.next_attempt_at <= now))
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(MoneyOutbox).where(MoneyOutbox.order_id == order_id, MoneyOutbox.status == "pending", takeable)
            .values(claimed_by=me, claimed_until=now + lease))
        return rowcount(result) == 1


def load(engine: Engine, order_id: int) -> OrderView:
    with Session(engine) as session:
        o = session.get_one(MoneyOrder, order_id)
        view = OrderView(o.id, o.order_no, o.kind, o.student_no, o.target, o.amount_fen, o.status, o.step_attempts)
        if o.kind != "wxtopup":
            return view
        paid, refund = notified(session, o.id)
        return replace(view, paid_fen=paid, refund_state=refund, age_seconds=(utcnow() - o.created_at).total_seconds())


def notified(session: Session, order_id: int) -> tuple[int | None, str | None]:
    """What WeChat Pay's verified notifications say of an order: the fen paid, the refund's status."""
    rows = session.execute(select(WeChatPayNotification.kind, WeChatPayNotification.state,
                                  WeChatPayNotification.amount_fen)
                           .where(WeChatPayNotification.order_id == order_id)
                           .order_by(WeChatPayNotification.id)).all()
    paid = next((fen for kind, state, fen in rows if kind == "pay" and state == "SUCCESS"), None)
    refund = next((state for kind, state, _fen in reversed(rows) if kind == "refund"), None)
    return paid, refund


def record(engine: Engine, view: OrderView, t: Transition, me: str, lease: timedelta,
           backoff: timedelta) -> Recorded | None:
    """Write one step's result if `me` still holds the order; a terminal one with its receipt and the
    outbox entry's `done`, all in one transaction. None: the claim was lost, stop."""
    now = utcnow()
    with Session(engine) as session:
        session.begin()
        held = session.execute(
            update(MoneyOutbox).where(MoneyOutbox.order_id == view.id, MoneyOutbox.claimed_by == me,
                                      MoneyOutbox.status == "pending")
            .values(claimed_until=now + lease, next_attempt_at=now + backoff if t.retry else now))
        if rowcount(held) != 1:
            session.rollback()
            return None
        values: dict[str, object] = {"status": t.status, "updated_at": now}
        values["step_attempts"] = view.attempts + 1 if t.retry else 0
        if t.error and not t.retry:
            values["last_error"] = t.error
        if t.balance_after_fen is not None:
            values["balance_after_fen"] = t.balance_after_fen
        if t.moved:
            values["moved_at"] = now
        if t.undone:
            values["undone_at"] = now
        if t.status in TERMINAL:
            values["finished_at"] = now
        changed = session.execute(update(MoneyOrder).where(MoneyOrder.id == view.id, MoneyOrder.status == view.status)
                                  .values(**values))
        if rowcount(changed) != 1:
            session.rollback()
            return None
        receipt_id, in_flight = _finish(session, view.id, now) if t.status in TERMINAL else (None, [])
        session.commit()
        return Recorded(t.status in TERMINAL, receipt_id, in_flight)


@dataclass(frozen=True, slots=True)
class Recorded:
    terminal: bool
    receipt_id: int | None
    #: The confirmation's replies already being sent when the receipt was recorded: it waits for them.
    before_receipt: list[int] = field(default_factory=list)


def release(engine: Engine, order_id: int, me: str) -> None:
    """Let another relay (or the sweep) have it now: after a retry was scheduled."""
    with Session(engine) as session, session.begin():
        session.execute(update(MoneyOutbox).where(MoneyOutbox.order_id == order_id, MoneyOutbox.claimed_by == me)
                        .values(claimed_by=None, claimed_until=None))


def _finish(session: Session, order_id: int, now: datetime) -> tuple[int, list[int]]:
    """Close the outbox entry and record the receipt: its id, to deliver after the commit, and the
    confirmation's replies it must wait for. "已受理，正在处理" not sent yet is dropped: the receipt says more."""
    order = session.get_one(MoneyOrder, order_id)
    session.execute(update(MoneyOutbox).where(MoneyOutbox.order_id == order_id)
                    .values(status="done", done_at=now, claimed_by=None, claimed_until=None))
    (message,) = notices(session, [(order.openid, receipt_notice(order, now))], now)
    row = outbound.add(session, message, event_id=order.event_id, seq=RECEIPT_SEQ)
    session.flush()
    in_flight = outbound.supersede_earlier(session, order.event_id, RECEIPT_SEQ) if order.event_id else []
    return row.id, in_flight
