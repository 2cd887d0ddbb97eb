"""What onecard needs from WeChat Pay: JSAPI orders, their state, closing, refunds and the trade bill.

Every call is keyed by our own numbers (`out_trade_no`, `out_refund_no`), which WeChat Pay keeps
unique: sending one again never charges or refunds twice. A timeout or 5xx raises TransientError
(the outcome is unknown: query before deciding); a refusal raises PermanentError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from events.campus_time import SHANGHAI

#: trade_state values that end a payment one way or the other (NOTPAY and USERPAYING still move).
PAID = "SUCCESS"
UNPAID = frozenset({"NOTPAY", "USERPAYING"})
ENDED_UNPAID = frozenset({"CLOSED", "REVOKED", "PAYERROR"})
#: Our name for "WeChat Pay never saw this out_trade_no" (its API answers 404 ORDER_NOT_EXIST).
NOT_FOUND = "NOTFOUND"
#: When WeChat Pay's trade bill of a day can be asked for: from 10:00 (Asia/Shanghai) the next day.
BILL_READY_AT = time(10, 0)


def bill_ready(day: date, now: datetime) -> bool:
    """Whether WeChat Pay has generated the trade bill of `day` by `now`.

    "微信支付在每日10点后生成昨日交易账单文件" (申请交易账单, pay.weixin.qq.com/docs/merchant/apis/
    jsapi-payment/get-trade-bill.html); until then it answers 400 STATEMENT_CREATING "账单生成中", and
    its FAQ (常见问题, pay.weixin.qq.com/doc/v3/merchant/4013071254) advises asking "在次日上午10点后".
    The simulator refuses by this rule and the scheduler waits for it: one reading of the documentation.
    """
    return now >= bill_ready_at(day)


def bill_ready_at(day: date) -> datetime:
    """The moment WeChat Pay's trade bill of `day` can be asked for: 10:00 the next day, Asia/Shanghai."""
    return datetime.combine(day + timedelta(days=1), BILL_READY_AT, SHANGHAI)


def latest_bill_day(now: datetime) -> date:
    """The last day whose trade bill exists at `now`: yesterday from 10:00, the day before until then."""
    today = now.astimezone(SHANGHAI).date()
    return today - timedelta(days=1 if bill_ready(today - timedelta(days=1), now) else 2)


@dataclass(frozen=True, slots=True)
class Payment:
    out_trade_no: str
    trade_state: str  # SUCCESS | NOTPAY | USERPAYING | CLOSED | REVOKED | PAYERROR | REFUND | NOTFOUND
    transaction_id: str | None = None
    amount_fen: int | None = None  # amount.total: what the order asked for


@dataclass(frozen=True, slots=True)
class Refund:
    out_refund_no: str
    status: str  # SUCCESS | PROCESSING | CLOSED | ABNORMAL | NOTFOUND
    refund_id: str | None = None
    amount_fen: int | None = None


class WeChatPay(Protocol):
    appid: str

    def jsapi(self, out_trade_no: str, *, description: str, amount_fen: int, openid: str,
              expires_at: str) -> str:
        """Create (or find again) the JSAPI order: its prepay_id, for the page's pay request."""

    def pay_request(self, prepay_id: str) -> dict[str, str]:
        """The signed parameters of `getBrandWCPayRequest` (appId … paySign)."""

    def query(self, out_trade_no: str) -> Payment:
        """The order as WeChat Pay sees it (trade_state NOTFOUND if it never saw it)."""

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid order so that it can never be paid. PermanentError if it was paid."""

    def refund(self, out_refund_no: str, *, out_trade_no: str, amount_fen: int, total_fen: int,
               reason: str) -> Refund:
        """Refund (all or part of) a payment to where it came from; once per `out_refund_no`."""

    def query_refund(self, out_refund_no: str) -> Refund:
        """The refund's status (NOTFOUND if WeChat Pay never saw it)."""

    def tradebill(self, bill_date: str) -> str | None:
        """The day's trade bill (交易账单, `YYYY-MM-DD`, Asia/Shanghai) as CSV text; None when WeChat Pay
        has none because nothing was paid or refunded that day (NO_STATEMENT_EXIST). TransientError
        while the bill is not generated yet (STATEMENT_CREATING, see `bill_ready`)."""
