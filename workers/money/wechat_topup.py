"""Starting a WeChat Pay top-up from the 我的校园卡 page: the order and its outbox entry in one
transaction, then the JSAPI order, then the signed request the page hands to `WeixinJSBridge`.

The relay takes it from there (`machine._wechat_step`): a verified notification or a query finds
the payment, the card is credited under `<order_no>:credit`, an unpaid order is closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.wechatpay.port import WeChatPay
from events.money_kinds import WECHAT_TOPUP
from store.db import begin_as_writer
from store.tables import Binding, MoneyOrder, MoneyOutbox
from store.uow import UnitOfWork
from workers.money import orders
from workers.money.amounts import BadAmount, Limits, check_limits, parse_fen
from workers.topics.balance import NOT_BOUND

#: The first look at an order's payment, if no notification came first.
FIRST_QUERY_AFTER = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class PayRequest:
    order_no: str
    amount_fen: int
    #: `WeixinJSBridge.invoke('getBrandWCPayRequest', params, …)`: appId … paySign.
    params: dict[str, str]


def start(uow_factory: Callable[[], UnitOfWork], pay: WeChatPay, *, openid: str, amount_text: str, limits: Limits,
          now: datetime, close_after: timedelta, wake: Callable[[int, float], None]) -> PayRequest:
    """Record the order, ask WeChat Pay for its prepay_id, sign the page's request.

    BadAmount (in the student's words) when the amount or the binding is not acceptable: nothing
    is recorded then. A failed JSAPI call raises; the order stays `created` and is closed in time.
    """
    with uow_factory() as uow:
        session = uow.session
        begin_as_writer(session)  # it reads (limits) then writes: take SQLite's write lock first
        binding = session.get(Binding, openid)
        if binding is None:
            raise BadAmount(NOT_BOUND)
        fen = parse_fen(amount_text)
        check_limits(fen, orders.spent_today(session, binding.student_no, now), limits)
        order = MoneyOrder(order_no=orders.new_order_no(WECHAT_TOPUP.code, now), kind=WECHAT_TOPUP.code,
                           openid=openid, student_no=binding.student_no, amount_fen=fen, status="created",
                           created_at=now, updated_at=now, confirmed_at=now, expires_at=now + close_after,
                           step_attempts=0)
        session.add(order)
        session.flush()
        session.add(MoneyOutbox(order_id=order.id, status="pending", next_attempt_at=now + FIRST_QUERY_AFTER,
                                created_at=now))
        order_id, order_no = order.id, order.order_no
        uow.after_commit(lambda: wake(order_id, FIRST_QUERY_AFTER.total_seconds()))
        uow.commit()
    prepay_id = pay.jsapi(order_no, description=f"{WECHAT_TOPUP.name} {order_no}", amount_fen=fen,
                          openid=openid, expires_at=(now + close_after).isoformat(timespec="seconds"))
    return PayRequest(order_no, fen, pay.pay_request(prepay_id))
