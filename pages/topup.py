"""充值: the student picks or types an amount and pays it with WeChat Pay (JSAPI), from 我的校园卡.

`POST /m/api/topup?amount=…` records the order and its outbox entry in one transaction, creates
the JSAPI order and answers the signed `getBrandWCPayRequest` parameters; the page's script hands
them to `WeixinJSBridge`. What the student is told of the outcome comes in the chat, as for 圈存.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse, Response

from events.errors import OnecardError
from pages.web import Ctx
from workers.money import start as money
from workers.money import wechat_topup
from workers.text.format import yuan

log = logging.getLogger("onecard.pages.topup")
#: The amounts offered (yuan); any other within the limits can be typed.
CHOICES = (20, 50, 100, 200)
#: Cross-site forms cannot set a header: a POST without it did not come from our page's script.
PAGE_HEADER = "X-Onecard-Page"




def form(ctx: Ctx) -> Response:
    topup = ctx.deps.topup
    if topup is None:
        return ctx.render("paused.html", message="微信支付充值暂未开通，请在对话中发送“充值 金额”从银行卡圈存。")
    return ctx.render("topup.html", choices=CHOICES, max_fen=topup.limits.per_transaction_fen)


def start(ctx: Ctx) -> Response:
    topup = ctx.deps.topup
    if topup is None:
        return JSONResponse({"error": "微信支付充值暂未开通"}, status_code=503)
    if ctx.request.headers.get(PAGE_HEADER) != "1":
        return JSONResponse({"error": "请从充值页面发起"}, status_code=403)
    try:
        request = wechat_topup.start(ctx.deps.uow, topup.pay, money.asking(ctx.deps.card), openid=ctx.openid,
                                     amount_text=ctx.query("amount"), limits=topup.limits, now=ctx.now,
                                     close_after=topup.close_after, wake=topup.wake)
    except money.Refused as refused:  # the chat's refusals, word for word; nothing was recorded
        return JSONResponse({"error": str(refused)}, status_code=400)
    except OnecardError as exc:
        log.warning("JSAPI order failed: %s", exc)
        return JSONResponse({"error": "微信支付暂时无法下单，请稍后再试，未发生任何扣款。"}, status_code=502)
    return JSONResponse({"order_no": request.order_no, "amount": yuan(request.amount_fen), "pay": request.params})
