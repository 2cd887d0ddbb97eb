"""The kinds of money order (the top-up and each fee payment, with what the user types for each),
the statuses an order passes through, and what each kind's line on the card's statement says.

Part of the contract: the routing table builds its rules from the kinds, the workers validate with
them; the statuses are what the `money_orders.status` column holds, named once for every reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order is (`workers/money/machine.py` draws the paths). The values are the database's."""

    AWAITING = "awaiting_confirmation"
    CREATED = "created"
    BANK_DEBITED = "bank_debited"
    CARD_DEBITED = "card_debited"
    FEE_CREDITED = "fee_credited"
    PAID = "paid"
    CLOSING = "closing"
    REFUNDING = "refunding"
    CARD_CREDITED = "card_credited"
    REVERSING = "reversing"
    DONE = "done"
    FAILED = "failed"
    REVERSED = "reversed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    MANUAL = "manual"


_S = OrderStatus
#: Where an order ends: nothing more happens to it.
TERMINAL = frozenset({_S.DONE, _S.FAILED, _S.REVERSED, _S.REFUNDED, _S.CANCELLED, _S.CLOSED, _S.MANUAL})
#: Orders whose money never moved (or moved back) do not count against the daily limit.
NOT_SPENT = frozenset({_S.AWAITING, _S.CANCELLED, _S.FAILED, _S.REVERSED, _S.REFUNDED, _S.CLOSED})
#: Each state an order passes through, as the back-office and reconciliation's findings name it.
STATUS_LABELS: dict[str, str] = {
    _S.AWAITING: "待用户确认", _S.CREATED: "已确认", _S.BANK_DEBITED: "银行已扣款", _S.CARD_DEBITED: "卡已扣款",
    _S.FEE_CREDITED: "缴费已入账", _S.PAID: "微信支付已付款", _S.CLOSING: "正在关闭未付订单", _S.REFUNDING: "退款中",
    _S.CARD_CREDITED: "已入卡", _S.REVERSING: "冲正中", _S.DONE: "已完成", _S.FAILED: "失败", _S.REVERSED: "已冲正",
    _S.REFUNDED: "已退款", _S.CANCELLED: "已取消", _S.CLOSED: "已关闭（未支付）", _S.MANUAL: "转人工处理",
}


@dataclass(frozen=True, slots=True)
class Kind:
    code: str
    name: str
    words: tuple[str, ...]
    usage: str
    #: How to read the target from the text before the amount; None: the payer's student number.
    target_pattern: str | None = None
    target_help: str = ""
    #: The school sets the amount (fines, exam and photo fees): the fee system is asked what is due
    #: and shows it before anything is confirmed; a typed amount must match it.
    set_by_school: bool = False
    #: What the card's statement line (流水) says for it, where not its name: how the money came.
    ledger_line: str = ""

    def split(self, args: str, student_no: str) -> tuple[str, str]:
        """(target, amount text) from what followed the keyword; ValueError says what is wrong."""
        parts = args.split()
        if self.target_pattern is None:
            if len(parts) != 1:
                raise ValueError(f"格式：{self.usage}")
            return student_no, parts[0]
        if len(parts) != 2:
            raise ValueError(f"格式：{self.usage}")
        target = parts[0].upper()
        if not re.fullmatch(self.target_pattern, target):
            raise ValueError(f"{self.target_help}格式：{self.usage}")
        return target, parts[1]


TOPUP = Kind("topup", "校园卡充值", ("充值", "topup"), "充值 金额 —— 从绑定的银行卡圈存到校园卡，例如：充值 50",
             ledger_line="银行圈存")

FEES: tuple[Kind, ...] = (
    Kind("net", "校园网费", ("网费", "netfee"), "网费 金额 —— 缴纳校园网费，例如：网费 30"),
    Kind("power", "宿舍电费", ("电费", "power"), "电费 楼号-房间号 金额 —— 例如：电费 10-305 50",
         target_pattern=r"\d{1,2}-\d{3,4}", target_help="房间号应为“楼号-房间号”，例如 10-305。"),
    Kind("photo", "图像采集费", ("图像采集费", "photofee"), "图像采集费 —— 查看应缴金额并缴纳", set_by_school=True),
    Kind("library", "图书欠费", ("图书欠费", "libraryfine"), "图书欠费 [金额] —— 查看欠费明细并缴纳（可只缴一部分）",
         set_by_school=True),
    Kind("exam", "外语考试费", ("外语考试费", "examfee"),
         "外语考试费 [考试代码] —— 查看已报名的考试并缴费，例如：外语考试费 CET4",
         target_pattern=r"CET[46]", target_help="考试代码应为 CET4 或 CET6。", set_by_school=True),
    Kind("donation", "校友捐赠", ("校友捐赠", "donate"), "校友捐赠 金额 —— 例如：校友捐赠 100"),
)

#: The top-up paid with WeChat Pay from the 我的校园卡 page: no words, it starts from the page.
WECHAT_TOPUP = Kind("wxtopup", "微信支付充值", (), "在“我的校园卡”页面点“充值”，选择金额后用微信支付",
                    ledger_line="微信充值")

BY_CODE: dict[str, Kind] = {k.code: k for k in (TOPUP, WECHAT_TOPUP, *FEES)}
#: The fee payments' codes: what the fee systems' own records are held against (not the top-ups).
FEE_CODES: frozenset[str] = frozenset(k.code for k in FEES)

def ledger_memo(kind: str, *, refund: bool = False) -> str:
    """The memo of an order's card ledger step: 银行圈存, 微信充值, the fee's name, or its name + 退款
    for the refund of a payment. The card system writes it as the line's merchant, so a bank 圈存
    never reads as a WeChat Pay top-up."""
    found = BY_CODE[kind]
    name = found.ledger_line or found.name
    return f"{name}退款" if refund else name
