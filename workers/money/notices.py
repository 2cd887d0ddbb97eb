"""WeChat Pay's notifications as a source of the inbox pipeline: each is recorded as proof of its
order's payment or refund (`WeChatPayNotification`, which the relay reads) and makes the order's
outbox entry due, in the transaction that marks the inbox event processed (`pipeline.Pipeline`);
the relay is woken once that committed. A payment also grants its payer WeChat's customer-service
messages for 48 hours (`events.wechat_grants`). A redelivered event does nothing; a notification WeChat
Pay sent again is a duplicate in the inbox already."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from sqlalchemy import select, update

from events.payment_notices import PaymentNotice
from events.wechat_grants import Scenario
from store import grants
from store.db import dialect_insert
from store.payment_notices import order_of
from store.tables import MoneyOrder, MoneyOutbox, WeChatPayNotification, utcnow
from store.uow import UnitOfWork
from workers.runtime.pipeline import Event


class PaymentNotices:
    """The `Source` of WeChat Pay notifications; `wake` hands an order to the relay now."""

    name = "wechatpay"

    def __init__(self, wake: Callable[[int], None]) -> None:
        self.wake = wake

    def prepare(self, event_ids: Sequence[int]) -> tuple[None, set[int]]:
        return None, set()

    def handle(self, uow: UnitOfWork, events: Sequence[Event], prepared: None) -> list[str]:
        return [self._record(uow, PaymentNotice.from_payload(event.payload)) for event in events]

    def give_up(self, uow: UnitOfWork, event: Event, prepared: None) -> None:
        """Nobody waits on a notification, and its proof must not be lost: the broker retries it,
        then the sweeper (and the relay asks WeChat Pay meanwhile)."""
        return None

    def _record(self, uow: UnitOfWork, notice: PaymentNotice) -> str:
        session = uow.session
        order_id = order_of(session, notice)  # the ingress checked it; the order has not changed since
        now = utcnow()
        inserted = session.execute(
            dialect_insert(session.get_bind().dialect.name, WeChatPayNotification)
            .values(dedup_key=notice.dedup_key[:80], kind=notice.kind, order_id=order_id,
                    out_trade_no=notice.out_trade_no, transaction_id=notice.transaction_id[:64],
                    out_refund_no=notice.out_refund_no, state=notice.state[:16], amount_fen=notice.amount_fen,
                    resource=notice.resource, received_at=now)
            .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(WeChatPayNotification.id)).scalar()
        if inserted is None:  # recorded before the inbox held notifications (the table they shared)
            return "known"
        session.execute(update(MoneyOutbox).where(MoneyOutbox.order_id == order_id, MoneyOutbox.status == "pending")
                        .values(next_attempt_at=now))
        if notice.kind == "pay" and notice.state == "SUCCESS":  # WeChat lets us write to a payer for 48 hours
            payer = session.execute(select(MoneyOrder.openid).where(MoneyOrder.id == order_id)).scalar_one()
            grants.grant(session, [(payer, Scenario.PAYMENT, now, None, 0)])
        uow.after_commit(functools.partial(self.wake, order_id))
        return f"{notice.kind}:recorded"
