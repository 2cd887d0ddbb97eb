"""What the user is told when an order ends: plainly, with the order number to quote."""

from __future__ import annotations

from datetime import datetime

from events.money_kinds import BY_CODE
from events.money_kinds import OrderStatus as S
from events.notices import Field, Notice, NoticeKind
from store.tables import MoneyOrder
from workers.text.format import yuan

REASONS = {
    "insufficient_funds": "银行账户余额不足",
    "no_linked_account": "校园卡未关联银行账户",
    "insufficient_balance": "校园卡余额不足",
    "card_lost": "校园卡已挂失",
    "card_frozen": "校园卡已冻结",
    "no_such_room": "房间号不存在",
    "no_such_exam": "考试不存在",
    "wrong_exam_fee": "考试费金额不符",
    "wrong_photo_fee": "图像采集费金额不符",
    "more_than_owed": "金额超过欠费金额",
}


def reason(order: MoneyOrder) -> str:
    return REASONS.get(order.last_error or "", "系统暂时无法完成")


def receipt(order: MoneyOrder) -> str:
    name, amount, no = BY_CODE[order.kind].name, yuan(order.amount_fen), order.order_no
    balance = f"，余额 {yuan(order.balance_after_fen)} 元" if order.balance_after_fen is not None else ""
    texts: dict[str, str]
    if order.kind in ("wxtopup", "topup"):
        otherwise = f"充值订单 {no} 处理异常，已转人工核实，请勿重复充值。"
        texts = {
            S.DONE: f"微信支付充值成功{balance}。本次充值 {amount} 元，订单号 {no}。",
            S.CLOSED: f"充值订单 {no} 未完成支付，已关闭，微信支付未扣款。",
            S.REFUNDED: f"充值未能入账（{reason(order)}），微信支付的 {amount} 元已原路退回，请留意微信支付通知。"
                        f"订单号 {no}。",
        } if order.kind == "wxtopup" else {
            S.DONE: f"充值成功{balance}。本次圈存 {amount} 元，订单号 {no}。",
            S.FAILED: f"充值失败：{reason(order)}，银行卡未扣款。订单号 {no}。",
            S.REVERSED: f"充值未能完成，银行扣款 {amount} 元已冲正退回，请留意银行卡到账。订单号 {no}。",
        }
        return texts.get(order.status, otherwise)
    target = f"（{order.target}）" if order.kind in ("power", "exam") else ""
    texts = {
        S.DONE: f"{name}{target}缴费成功：{amount} 元{balance}。订单号 {no}。",
        S.FAILED: f"{name}缴费失败：{reason(order)}，校园卡未扣款。订单号 {no}。",
        S.REFUNDED: f"{name}缴费未能完成（{reason(order)}），{amount} 元已退回校园卡{balance}。订单号 {no}。",
    }
    return texts.get(order.status, f"{name}订单 {no} 处理异常，已转人工核实，请勿重复缴费。")


#: How an order's end reads in a template's status line (a `phrase` holds at most 5 Chinese characters).
OUTCOMES: dict[str, str] = {S.DONE: "成功", S.FAILED: "失败", S.CLOSED: "已关闭", S.REFUNDED: "已退回",
                            S.REVERSED: "已冲正", S.CANCELLED: "已取消", S.MANUAL: "人工核实"}


def receipt_notice(order: MoneyOrder, now: datetime) -> Notice:
    """The receipt as a notice: it must reach the student however long the bank took."""
    kind = NoticeKind.TOPUP if order.kind in ("wxtopup", "topup") else NoticeKind.FEE
    target = f"（{order.target}）" if order.kind in ("power", "exam") and order.target else ""
    fields: dict[Field, int | str | datetime] = {
        Field.AMOUNT: order.amount_fen, Field.STATUS: OUTCOMES.get(order.status, "待核实"),
        Field.ORDER_NO: order.order_no, Field.TIME: now, Field.ITEM: f"{BY_CODE[order.kind].name}{target}",
        Field.REASON: receipt(order)}
    if order.balance_after_fen is not None:
        fields[Field.BALANCE] = order.balance_after_fen
    return Notice(kind, receipt(order), fields, "/m/card")
