"""Which of our orders a WeChat Pay notification is about, as we made it: read-only, so the
ingress can refuse a stranger before it stores anything and the handler finds the same order in
its transaction (`workers.money.notices`)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from events.money_kinds import WECHAT_TOPUP
from events.payment_notices import NotificationRefused, PaymentNotice
from store.tables import MoneyOrder

_ORDER = select(MoneyOrder.id, MoneyOrder.order_no, MoneyOrder.amount_fen)


def order_of(session: Session, notice: PaymentNotice) -> int:
    """The order's id; NotificationRefused for an order not ours, another amount, or a refund we did
    not ask for."""
    order = session.execute(_ORDER.where(MoneyOrder.order_no == notice.out_trade_no[:32],
                                         MoneyOrder.kind == WECHAT_TOPUP.code)).first()
    if order is None:
        raise NotificationRefused("notification for an unknown order")
    if notice.amount_fen != order.amount_fen:
        raise NotificationRefused(f"notified amount {notice.amount_fen} differs from the order's {order.amount_fen}")
    if notice.kind == "refund" and notice.out_refund_no != f"{order.order_no}R":
        raise NotificationRefused("notification for a refund we did not ask for")
    return int(order.id)


def check(engine: Engine, notice: PaymentNotice) -> int:
    """`order_of` in a short read of its own: what the ingress asks before it answers."""
    with Session(engine) as session:
        return order_of(session, notice)
