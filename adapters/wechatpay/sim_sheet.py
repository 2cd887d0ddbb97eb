"""The pay sheet's side of the simulator: what the sheet shows of an order, and the student's answer.

The chat simulator's web view shows the sheet when a page calls `getBrandWCPayRequest` through
WeixinJSBridge (chatsim/static/webview.js); it may be served from another port than the simulators,
so its calls are simple cross-origin requests (a text/plain body, no preflight) answered to anyone.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.wechatpay import signing
from adapters.wechatpay.sim_state import Order, PayBooks, yuan

#: The pay sheet's calls come from the page's origin, not the simulator's.
ANYONE = {"Access-Control-Allow-Origin": "*"}


class Cashier(Protocol):
    """What the sheet needs of the simulator (which builds the sheet, so the sheet does not import it)."""

    books: PayBooks
    merchant_key: rsa.RSAPrivateKey

    def answer(self, data: dict[str, Any] | None, status: int = 200) -> Response: ...

    def pay(self, out_trade_no: str) -> Order | None: ...


class PaySheet:
    def __init__(self, sim: Cashier) -> None:
        self.sim = sim

    async def order_info(self, request: Request) -> Response:
        """What the pay sheet shows of the order a `package=prepay_id=…` names."""
        no = self.sim.books.by_prepay.get(request.query_params.get("package", "").removeprefix("prepay_id="))
        order = self.sim.books.orders.get(no or "")
        if order is None:
            return JSONResponse({"error": "no such prepay_id"}, status_code=404, headers=ANYONE)
        return JSONResponse({"out_trade_no": order.out_trade_no, "description": order.description,
                             "amount": yuan(order.amount_fen)}, headers=ANYONE)

    async def pay_sheet(self, request: Request) -> Response:
        """The pay sheet's answer: `{"pay": {getBrandWCPayRequest params}, "action": "pay"|"cancel"}`.

        Called by the web view's sheet as a simple request: any origin, a text/plain body."""
        answer = await self._pay_sheet(request)
        answer.headers.update(ANYONE)
        return answer

    async def _pay_sheet(self, request: Request) -> Response:
        try:
            data = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        params, action = dict(data.get("pay") or {}), data.get("action", "pay")
        no = self.sim.books.by_prepay.get(params.get("package", "").removeprefix("prepay_id="))
        if no is None or not signing.verify_pay_sign(params, self.sim.merchant_key.public_key()):
            return self.sim.answer({"err_msg": "get_brand_wcpay_request:fail", "reason": "支付验证签名失败"})
        if action != "pay":
            return self.sim.answer({"err_msg": "get_brand_wcpay_request:cancel"})
        order = self.sim.pay(no)
        ok = order is not None and order.state == "SUCCESS"
        return self.sim.answer({"err_msg": f"get_brand_wcpay_request:{'ok' if ok else 'fail'}", "out_trade_no": no})

    def routes(self) -> list[Route]:
        return [Route("/_sim/pay", self.pay_sheet, methods=["POST"]), Route("/_sim/order", self.order_info)]
