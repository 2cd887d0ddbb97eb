"""Orders in the database: asked, confirmed (with the outbox entry, in the same transaction), placed
confirmed, cancelled. The rows only: the refusals are `workers.money.start`'s, which calls these."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from events.campus_time import SHANGHAI
from events.money_kinds import NOT_SPENT, STATUS_LABELS, TERMINAL
from events.money_kinds import OrderStatus as S
from store.db import rowcount
from store.tables import MoneyOrder, MoneyOutbox

AWAITING = S.AWAITING
#: Named here too for the back-office and older readers; defined with the statuses in `events.money_kinds`.
__all__ = ["AWAITING", "NOT_SPENT", "STATUS_LABELS", "TERMINAL"]


#: Letters only: a run of digits in an order number would be masked in the logs as a phone or student number.
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_order_no(kind: str, now: datetime) -> str:
    """T… for top-ups, W… for WeChat Pay top-ups, P… for payments: the Shanghai time, then randomness
    (never a guessable counter). Letters and digits only, as WeChat Pay's out_trade_no wants."""
    prefix = {"topup": "T", "wxtopup": "W"}.get(kind, "P")
    suffix = "".join(secrets.choice(_LETTERS) for _ in range(8))
    return f"{prefix}{now.astimezone(SHANGHAI):%Y%m%d%H%M%S}{suffix}"


def spent_today(session: Session, student_no: str, now: datetime, *, exclude: int | None = None) -> int:
    """Fen this card moved today (Shanghai day), in flight included."""
    day_start = datetime.combine(now.astimezone(SHANGHAI).date(), time(), SHANGHAI)
    query = select(func.coalesce(func.sum(MoneyOrder.amount_fen), 0)).where(
        MoneyOrder.student_no == student_no, MoneyOrder.created_at >= day_start,
        MoneyOrder.status.not_in(NOT_SPENT))
    if exclude is not None:
        query = query.where(MoneyOrder.id != exclude)
    return int(session.execute(query).scalar_one())


def ask(session: Session, *, openid: str, student_no: str, kind: str, target: str | None, amount_fen: int,
        now: datetime, confirm_seconds: int) -> MoneyOrder:
    """A new order awaiting `确认`; an earlier unconfirmed one of this user is cancelled (one at a time).
    Checks nothing: `workers.money.start` is the way in."""
    session.execute(update(MoneyOrder).where(MoneyOrder.openid == openid, MoneyOrder.status == AWAITING)
                    .values(status=S.CANCELLED, finished_at=now, updated_at=now))
    order = MoneyOrder(order_no=new_order_no(kind, now), kind=kind, openid=openid, student_no=student_no,
                       target=target, amount_fen=amount_fen, status=AWAITING, created_at=now, updated_at=now,
                       expires_at=now + timedelta(seconds=confirm_seconds), step_attempts=0)
    session.add(order)
    session.flush()
    return order


def awaiting(session: Session, openid: str, now: datetime) -> MoneyOrder | None:
    """The user's order that still waits for `确认` (None when there is none or it expired)."""
    return session.execute(
        select(MoneyOrder).where(MoneyOrder.openid == openid, MoneyOrder.status == AWAITING,
                                 MoneyOrder.expires_at > now).order_by(MoneyOrder.id.desc()).limit(1)
    ).scalar()


def confirm(session: Session, order: MoneyOrder, *, event_id: int | None, reply_deadline: datetime,
            now: datetime) -> bool:
    """The order becomes `created` and gets its outbox entry, in the caller's one transaction."""
    result = session.execute(
        update(MoneyOrder).where(MoneyOrder.id == order.id, MoneyOrder.status == AWAITING)
        .values(status=S.CREATED, confirmed_at=now, updated_at=now, event_id=event_id,
                reply_deadline=reply_deadline, step_attempts=0))
    if rowcount(result) != 1:
        return False
    session.add(MoneyOutbox(order_id=order.id, status="pending", next_attempt_at=now, created_at=now))
    return True


def place(session: Session, *, openid: str, student_no: str, kind: str, target: str | None, amount_fen: int,
          now: datetime, expires_at: datetime, first_step_at: datetime, event_id: int | None,
          reply_deadline: datetime | None) -> MoneyOrder:
    """An order that starts `created` with its outbox entry, in the caller's transaction (the page's
    WeChat Pay top-up, an automatic top-up). Checks nothing: `workers.money.start` is the way in."""
    order = MoneyOrder(order_no=new_order_no(kind, now), kind=kind, openid=openid, student_no=student_no,
                       target=target, amount_fen=amount_fen, status=S.CREATED, created_at=now, updated_at=now,
                       expires_at=expires_at, confirmed_at=now, event_id=event_id, reply_deadline=reply_deadline,
                       step_attempts=0)
    session.add(order)
    session.flush()
    session.add(MoneyOutbox(order_id=order.id, status="pending", next_attempt_at=first_step_at, created_at=now))
    return order


def cancel(session: Session, order: MoneyOrder, now: datetime) -> None:
    session.execute(update(MoneyOrder).where(MoneyOrder.id == order.id, MoneyOrder.status == AWAITING)
                    .values(status=S.CANCELLED, finished_at=now, updated_at=now))


def expire_unconfirmed(engine: Engine, now: datetime) -> int:
    """Confirmations nobody gave in time end `cancelled`: every order ends in a terminal state."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(MoneyOrder).where(MoneyOrder.status == AWAITING, MoneyOrder.expires_at <= now)
            .values(status=S.CANCELLED, finished_at=now, updated_at=now, last_error="not confirmed in time"))
        return rowcount(result)
