"""A WeChat Pay that runs locally: APIv3 JSAPI orders, query, close, refunds, trade bills and
notifications, signed with a platform key pair generated at start and encrypted with the APIv3 key.

It checks the merchant's signature on every call (401 SIGN_ERROR otherwise). `POST /_sim/pay` is
the pay sheet's button (the chat simulator's `WeixinJSBridge` calls it with the page's signed
request); `/_faults` injects lost and repeated notifications, 5xx on query, and payments that land
just as we close the order.

Its books run on its own clock (`/_sim/clock`, `adapters/sim/clock.py`): a trade bill exists only
from 10:00 the day after (STATEMENT_CREATING before, as at WeChat Pay) and not at all for a day
without trades (NO_STATEMENT_EXIST), so a test that reconciles today moves that clock to tomorrow.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.sim.clock import SimClock
from adapters.sim.faults import FaultInjector, Faults
from adapters.wechatpay import signing
from adapters.wechatpay.port import bill_ready
from adapters.wechatpay.sim_notify import Notifier, envelope
from adapters.wechatpay.sim_sheet import PaySheet
from adapters.wechatpay.sim_state import Order, PayBooks, RefundRecord

DEMO_MCHID = "1900000109"
DEMO_APIV3_KEY = "onecardDemoApiV3Key0123456789abc"  # 32 bytes, as WeChat Pay requires


@dataclass
class PayFaults(Faults):
    #: Share of notifications never sent, and of acknowledged ones sent again.
    lost_notify_rate: float = 0.0
    repeat_notify_rate: float = 0.0
    #: Share of order queries answered 503.
    query_error_rate: float = 0.0
    #: Share of closes that find the student paid a moment before (ORDERPAID).
    pay_on_close_rate: float = 0.0


class WeChatPaySimulator:
    def __init__(self, mchid: str = DEMO_MCHID, apiv3_key: str = DEMO_APIV3_KEY, seed: int | None = None) -> None:
        self.mchid, self.apiv3_key = mchid, apiv3_key
        self.platform_key = signing.new_private_key()
        self.platform_serial = "PUB_KEY_ID_" + secrets.token_hex(12).upper()
        #: The demo merchant's API key pair (a real merchant makes its own and uploads the public half).
        self.merchant_key = signing.new_private_key()
        self.merchant_serial = secrets.token_hex(20).upper()
        #: What time it is at this WeChat Pay: when payments are booked, which bills exist.
        self.clock = SimClock()
        self.books = PayBooks(mchid, self.clock.now)
        self.books.on_paid = self._paid
        #: Told the payer's openid when a JSAPI order is paid (`Simulators` wires in the WeChat API
        #: simulator, which grants the payer WeChat's payment window for customer-service messages).
        self.on_paid: Callable[[str], None] | None = None
        self.faults = FaultInjector(seed, PayFaults)
        self.notifier = Notifier(self.signed, self._fault)
        self.tokens: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _fault(self, name: str) -> bool:
        hit = self.faults.roll(float(getattr(self.faults.faults, name)))
        if hit:
            self.faults.count(name)
        return hit

    def signed(self, body: str) -> dict[str, str]:
        return signing.signed_headers(self.platform_key, self.platform_serial, body)

    def settings_env(self, folder: Path) -> dict[str, str]:
        """The merchant settings that point a platform at this simulator (the key files written to `folder`)."""
        folder.mkdir(parents=True, exist_ok=True)
        merchant, platform = folder / "wechatpay-merchant-key.pem", folder / "wechatpay-platform-public-key.pem"
        merchant.write_text(signing.private_pem(self.merchant_key))
        merchant.chmod(0o600)
        platform.write_text(signing.public_pem(self.platform_key))
        return {"ONECARD_WECHATPAY_MCHID": self.mchid, "ONECARD_WECHATPAY_CERT_SERIAL": self.merchant_serial,
                "ONECARD_WECHATPAY_PRIVATE_KEY": str(merchant), "ONECARD_WECHATPAY_APIV3_KEY": self.apiv3_key,
                "ONECARD_WECHATPAY_PLATFORM_PUBLIC_KEY": str(platform),
                "ONECARD_WECHATPAY_PLATFORM_KEY_ID": self.platform_serial}

    def answer(self, data: dict[str, Any] | None, status: int = 200) -> Response:
        body = json.dumps(data, ensure_ascii=False) if data is not None else ""
        return Response(body, status_code=status, media_type="application/json", headers=self.signed(body))

    def _error(self, status: int, code: str, message: str = "") -> Response:
        return self.answer({"code": code, "message": message or code}, status)

    async def _checked(self, request: Request) -> tuple[str, Response | None]:
        """The body, or the refusal of a request the merchant did not sign (or a fault)."""
        if (injected := await self.faults.before()) is not None:
            return "", injected
        body = (await request.body()).decode()
        auth = signing.parse_authorization(request.headers.get("authorization", ""))
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = "".join(f"{line}\n" for line in (request.method, path, auth.get("timestamp", ""),
                                                   auth.get("nonce_str", ""), body))
        if (auth.get("mchid") != self.mchid or auth.get("serial_no") != self.merchant_serial
                or not signing.verify_message(message, auth.get("signature", ""), self.merchant_key.public_key())):
            return body, self._error(401, "SIGN_ERROR", "签名错误")
        return body, None

    async def jsapi(self, request: Request) -> Response:
        body, refused = await self._checked(request)
        if refused:
            return refused
        data = json.loads(body)
        if data.get("mchid") != self.mchid:
            return self._error(400, "MCH_NOT_EXISTS")
        order = self.books.order(data)
        if isinstance(order, str):
            return self._error(400, order)
        return self.answer({"prepay_id": order.prepay_id})

    async def query(self, request: Request) -> Response:
        _body, refused = await self._checked(request)
        if refused:
            return refused
        if self._fault("query_error_rate"):
            return self._error(503, "SYSTEM_ERROR", "系统繁忙")
        order = self.books.orders.get(request.path_params["no"])
        if order is None or not order.prepay_id:
            return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
        return self.answer(self._transaction(order))

    def _transaction(self, o: Order) -> dict[str, Any]:
        data: dict[str, Any] = {"appid": o.appid, "mchid": self.mchid, "out_trade_no": o.out_trade_no,
                                "trade_type": "JSAPI", "trade_state": o.state, "payer": {"openid": o.openid},
                                "amount": {"total": o.amount_fen, "currency": "CNY"}}
        if o.transaction_id:
            data.update(transaction_id=o.transaction_id, success_time=o.paid_at.astimezone().isoformat()
                        if o.paid_at else None, bank_type="OTHERS")
            data["amount"].update(payer_total=o.amount_fen, payer_currency="CNY")
        return data

    async def close(self, request: Request) -> Response:
        _body, refused = await self._checked(request)
        if refused:
            return refused
        no = request.path_params["no"]
        if no in self.books.orders and self._fault("pay_on_close_rate"):
            self.pay(no)
        error = self.books.close(no)
        return self._error(400, error, "订单已支付") if error else Response(status_code=204, headers=self.signed(""))

    async def refund(self, request: Request) -> Response:
        body, refused = await self._checked(request)
        if refused:
            return refused
        fresh = json.loads(body)["out_refund_no"] not in self.books.refunds
        record = self.books.refund(json.loads(body))
        if isinstance(record, str):
            return self._error(400 if record != "TRADE_NOT_EXIST" else 404, record)
        if fresh:
            self._notify_refund(record)
        return self.answer(self._refund(record))

    def _refund(self, r: RefundRecord) -> dict[str, Any]:
        order = self.books.orders[r.out_trade_no]
        return {"refund_id": r.refund_id, "out_refund_no": r.out_refund_no, "transaction_id": order.transaction_id,
                "out_trade_no": r.out_trade_no, "channel": "ORIGINAL", "status": r.status, "refund_status": r.status,
                "success_time": r.at.astimezone().isoformat(), "mchid": self.mchid,
                "amount": {"total": order.amount_fen, "refund": r.amount_fen, "payer_total": order.amount_fen,
                           "payer_refund": r.amount_fen, "currency": "CNY"}}

    async def query_refund(self, request: Request) -> Response:
        _body, refused = await self._checked(request)
        if refused:
            return refused
        record = self.books.refunds.get(request.path_params["no"])
        if record is None:
            return self._error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return self.answer(self._refund(record))

    async def tradebill(self, request: Request) -> Response:
        """The bill's download URL and the SHA1 of the bill as it is before packing (原始账单（gzip需要
        解压缩）的摘要值, 申请交易账单): packed with gzip only when `tar_type=GZIP` asked for it.

        Refused as WeChat Pay refuses (常见问题, pay.weixin.qq.com/doc/v3/merchant/4013071254): 400
        STATEMENT_CREATING "账单生成中" until 10:00 the next day by this simulator's clock (`bill_ready`;
        a day not over yet is answered so too), then 400 NO_STATEMENT_EXIST "请求的账单文件不存在" for a
        day without a trade or a refund.
        """
        _body, refused = await self._checked(request)
        if refused:
            return refused
        day, tar_type = request.query_params.get("bill_date", ""), request.query_params.get("tar_type")
        if request.query_params.get("bill_type", "ALL") != "ALL" or tar_type not in (None, "GZIP"):
            return self._error(400, "PARAM_ERROR", "模拟器只出 ALL 账单，压缩类型只有 GZIP")
        bill_day = _day(day)
        if bill_day is None:
            return self._error(400, "PARAM_ERROR", "账单日期格式为 yyyy-MM-DD")
        if not bill_ready(bill_day, self.clock.now()):
            return self._error(400, "STATEMENT_CREATING", "账单生成中")
        bill = self.books.bill(day)
        if bill is None:
            return self._error(400, "NO_STATEMENT_EXIST", "请求的账单文件不存在")
        plain = bill.encode()
        token = secrets.token_urlsafe(12)
        with self._lock:
            self.tokens[token] = gzip.compress(plain) if tar_type == "GZIP" else plain
        url = str(request.url_for("bill_download")) + f"?token={token}"
        return self.answer({"hash_type": "SHA1", "hash_value": hashlib.sha1(plain).hexdigest(),
                            "download_url": url})

    async def download(self, request: Request) -> Response:
        _body, refused = await self._checked(request)
        if refused:
            return refused
        raw = self.tokens.get(request.query_params.get("token", ""))
        if raw is None:
            return self._error(400, "INVALID_REQUEST", "下载链接已失效")
        return Response(raw, media_type="application/octet-stream")

    def pay(self, out_trade_no: str) -> Order | None:
        """The student pays (what the pay sheet does): SUCCESS, and its notification on its way."""
        order = self.books.pay(out_trade_no)
        if order is not None and order.state == "SUCCESS" and order.notify_url:
            resource = signing.encrypt(self._transaction(order), self.apiv3_key, "transaction")
            self.notifier.send(order.notify_url, json.dumps(envelope("TRANSACTION.SUCCESS", "支付成功", resource)))
        return order

    def _paid(self, order: Order) -> None:
        if self.on_paid is not None:
            self.on_paid(order.openid)

    def _notify_refund(self, r: RefundRecord) -> None:
        data = {k: v for k, v in self._refund(r).items() if k not in ("status", "channel")}
        resource = signing.encrypt(data, self.apiv3_key, "refund")
        resource["original_type"] = "refund"
        self.notifier.send(r.notify_url, json.dumps(envelope("REFUND.SUCCESS", "退款成功", resource)))

    def app(self) -> Starlette:
        trade = "/v3/pay/transactions/out-trade-no/{no}"
        return Starlette(routes=[
            Route("/v3/pay/transactions/jsapi", self.jsapi, methods=["POST"]),
            Route(trade, self.query), Route(trade + "/close", self.close, methods=["POST"]),
            Route("/v3/refund/domestic/refunds", self.refund, methods=["POST"]),
            Route("/v3/refund/domestic/refunds/{no}", self.query_refund),
            Route("/v3/bill/tradebill", self.tradebill),
            Route("/v3/billdownload/file", self.download, name="bill_download"),
            *PaySheet(self).routes(),
            Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
            Route("/_sim/clock", self.clock.endpoint, methods=["GET", "POST", "DELETE"]),
        ])


def _day(text: str) -> date | None:
    """`bill_date` as WeChat Pay takes it, yyyy-MM-DD (fromisoformat alone would take 20220321 too)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
