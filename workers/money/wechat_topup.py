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
from store.uow import UnitOfWork
from workers.money import start as money
from workers.money.amounts import Limits

#: The first look at an order's payment, if no notification came first.
FIRST_QUERY_AFTER = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class PayRequest:
    order_no: str
    amount_fen: int
    #: `WeixinJSBridge.invoke('getBrandWCPayRequest', params, …)`: appId … paySign.
    params: dict[str, str]


def start(uow_factory: Callable[[], UnitOfWork], pay: WeChatPay, card_status: money.CardStatus, *, openid: str,
          amount_text: str, limits: Limits, now: datetime, close_after: timedelta,
          wake: Callable[[int, float], None]) -> PayRequest:
    """Record the order, ask WeChat Pay for its prepay_id, sign the page's request.

    `money.Refused` (in the student's words) when the order may not start, as in the chat: the
    function paused, not bound, the card lost or frozen, the amount or the limits; nothing is
    recorded then. A failed JSAPI call raises; the order stays `created` and is closed in time.
    """
    with uow_factory() as uow:
        session = uow.session
        begin_as_writer(session)  # it reads (limits) then writes: take SQLite's write lock first
        order = money.start(session, card_status, openid=openid, kind=WECHAT_TOPUP, amount=amount_text,
                            limits=limits, now=now,
                            confirmed=money.Confirmed(expires_at=now + close_after,
                                                      first_step_at=now + FIRST_QUERY_AFTER))
        order_id, order_no, fen = order.id, order.order_no, order.amount_fen
        uow.after_commit(lambda: wake(order_id, FIRST_QUERY_AFTER.total_seconds()))
        uow.commit()
    prepay_id = pay.jsapi(order_no, description=f"{WECHAT_TOPUP.name} {order_no}", amount_fen=fen,
                          openid=openid, expires_at=(now + close_after).isoformat(timespec="seconds"))
    return PayRequest(order_no, fen, pay.pay_request(prepay_id))
