"""The WeChat Pay simulator's books: JSAPI orders, payments, closes, refunds and the trade bill.

Pure bookkeeping under one lock (the HTTP side is `simulator.py`): each out_trade_no and
out_refund_no is one record, so a repeated request answers as the first did, and a closed order
can never be paid, as at WeChat Pay.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events.campus_time import SHANGHAI

BILL_HEADER = ("交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识",
               "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号",
               "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包",
               "手续费", "费率", "订单金额", "申请退款金额", "费率备注")
SUMMARY_HEADER = ("总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额",
                  "申请退款总金额")


@dataclass
class Order:
    out_trade_no: str
    appid: str
    amount_fen: int
    openid: str
    description: str
    notify_url: str
    prepay_id: str
    state: str = "NOTPAY"
    transaction_id: str | None = None
    paid_at: datetime | None = None
    refunded_fen: int = 0


@dataclass
class RefundRecord:
    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    notify_url: str
    refund_id: str = field(default_factory=lambda: "50" + secrets.token_hex(14))
    status: str = "SUCCESS"
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class PayBooks:
    def __init__(self, mchid: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.mchid, self.clock = mchid, clock
        self.lock = threading.RLock()
        self.orders: dict[str, Order] = {}
        self.by_prepay: dict[str, str] = {}
        self.refunds: dict[str, RefundRecord] = {}
        #: Told of each payment as it happens (WeChat grants the payer a customer-service window).
        self.on_paid: Callable[[Order], None] | None = None

    def order(self, data: dict[str, Any]) -> Order | str:
        """The order for `data` (the same one again for a repeat); an error code when it conflicts."""
        with self.lock:
            no = str(data["out_trade_no"])
            existing = self.orders.get(no)
            amount, openid = int(data["amount"]["total"]), str(data["payer"]["openid"])
            if existing is not None:
                if existing.state == "CLOSED":
                    return "ORDERCLOSED"
                if existing.amount_fen != amount or existing.openid != openid:
                    return "OUT_TRADE_NO_USED"
                return existing
            if amount <= 0:
                return "PARAM_ERROR"
            order = Order(no, str(data["appid"]), amount, openid, str(data.get("description", "")),
                          str(data["notify_url"]), "wx" + secrets.token_hex(15))
            self.orders[no], self.by_prepay[order.prepay_id] = order, no
            return order

    def pay(self, out_trade_no: str) -> Order | None:
        """The student paid: the order is SUCCESS (None if it cannot be paid: unknown, closed)."""
        with self.lock:
            order = self.orders.get(out_trade_no)
            if order is None or order.state not in ("NOTPAY", "USERPAYING"):
                return order if order is not None and order.state == "SUCCESS" else None
            order.state, order.paid_at = "SUCCESS", self.clock()
            order.transaction_id = "42" + secrets.token_hex(14)
            if self.on_paid is not None:
                self.on_paid(order)
            return order

    def close(self, out_trade_no: str) -> str | None:
        """None when closed (an unknown order is recorded closed, so that it can never be paid)."""
        with self.lock:
            order = self.orders.get(out_trade_no)
            if order is None:
                self.orders[out_trade_no] = Order(out_trade_no, "", 0, "", "", "", "", state="CLOSED")
                return None
            if order.state == "SUCCESS" or order.state == "REFUND":
                return "ORDERPAID"
            order.state = "CLOSED"
            return None

    def refund(self, data: dict[str, Any]) -> RefundRecord | str:
        with self.lock:
            no = str(data["out_refund_no"])
            if no in self.refunds:
                return self.refunds[no]
            order = self.orders.get(str(data["out_trade_no"]))
            amount = int(data["amount"]["refund"])
            if order is None or order.state not in ("SUCCESS", "REFUND"):
                return "TRADE_NOT_EXIST" if order is None else "NOT_ENOUGH"
            if amount <= 0 or order.refunded_fen + amount > order.amount_fen:
                return "NOT_ENOUGH"
            order.refunded_fen += amount
            order.state = "REFUND"
            record = RefundRecord(no, order.out_trade_no, amount, str(data.get("notify_url") or order.notify_url),
                                  at=self.clock())
            self.refunds[no] = record
            return record

    def bill(self, day: str) -> str | None:
        """The `ALL` trade bill of one Asia/Shanghai day, as WeChat Pay writes it (交易账单详细说明,
        pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html): the detail header,
        a row per payment and per refund started that day, then the summary header and its line.

        Every value, the summary's too, stands behind a backtick; amounts are yuan; values are joined
        by commas and not CSV-quoted (a 商户数据包 of JSON shows its quotes as they are); lines end in
        CRLF, as in bills captured from WeChat Pay. A refund row names the order's 微信订单号 and
        商户订单号, its 交易时间 is when the refund was started, and its 应结订单金额 and 订单金额 are
        0.00, as in the bills WeChat Pay serves; 总交易单数 counts both kinds of row.

        None for a day without a payment or a refund: WeChat Pay generates no bill for it (its FAQ,
        pay.weixin.qq.com/doc/v3/merchant/4013071254: NO_STATEMENT_EXIST "请检查商户号当日是否有产生交易
        或退款").
        """
        paid, refunded, count = 0, 0, 0
        rows: list[tuple[datetime, Order, str, RefundRecord | None]] = []
        with self.lock:
            for o in self.orders.values():
                if o.paid_at and o.paid_at.astimezone(SHANGHAI).date().isoformat() == day:
                    rows.append((o.paid_at, o, "SUCCESS", None))
            for refund in self.refunds.values():
                if refund.at.astimezone(SHANGHAI).date().isoformat() == day:
                    rows.append((refund.at, self.orders[refund.out_trade_no], "REFUND", refund))
        if not rows:
            return None
        lines = [",".join(BILL_HEADER)]
        for at, o, state, r in sorted(rows, key=lambda row: row[0]):
            count += 1
            settled, back = (o.amount_fen, 0) if r is None else (0, r.amount_fen)
            paid, refunded = paid + settled, refunded + back
            values = (at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), o.appid, self.mchid, "0", "",
                      o.transaction_id, o.out_trade_no, o.openid, "JSAPI", state, "OTHERS", "CNY", yuan(settled),
                      "0.00", r.refund_id if r else "0", r.out_refund_no if r else "0", yuan(back), "0.00",
                      "ORIGINAL" if r else "", "SUCCESS" if r else "", o.description, "", "0.00000", "0.60%",
                      yuan(settled), yuan(back), "")
            lines.append(",".join(f"`{v}" for v in values))
        lines.append(",".join(SUMMARY_HEADER))
        lines.append(",".join(f"`{v}" for v in (count, yuan(paid), yuan(refunded), "0.00", "0.00000", yuan(paid),
                                                 yuan(refunded))))
        return "".join(f"{line}\r\n" for line in lines)
