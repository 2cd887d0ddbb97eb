"""What a student reads in an alert: a notice of its kind (`events.notices`), so the one planner
(`workers.delivery.outgoing`) sends its text as a customer-service message while the student's grant
lasts, and the account's template for the kind, filled from its typed fields, otherwise.

The text carries everything the template's fields do (amount, merchant, balance): a student who
gets the customer-service message misses nothing. Money stays integer fen and times UTC in the
fields; they are shaped to a template key's type only when it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from events.notices import KINDS, Field, Notice, NoticeKind
from workers.text.format import short_time, yuan

#: The notice each kind of alert (`card_alerts.kind`) goes as.
NOTICE_KINDS = {"spending": NoticeKind.SPENDING, "low_balance": NoticeKind.LOW_BALANCE,
                "suspicious": NoticeKind.SUSPICIOUS, "autotopup": NoticeKind.TOPUP, "summary": NoticeKind.SUMMARY}

#: What each kind of alert is called on the back-office's pages: its notice kind's name, except an
#: automatic top-up, whose notice is a top-up result (充值结果通知) but whose alert is the rule that
#: placed the order.
KIND_LABELS = {alert: KINDS[kind].name for alert, kind in NOTICE_KINDS.items()} | {"autotopup": "自动充值"}

#: How each suspicious-use rule reads to the student and to the card office.
RULE_LABELS = {"lost": "挂失卡被刷", "velocity": "短时间内频繁刷卡", "amount": "单笔金额超过限额",
               "campus": "短时间内异地校区刷卡"}

#: What the card office may decide on a suspicious transaction, as a clerk reads it.
DECISION_LABELS = {"fraud": "确认盗刷", "legitimate": "本人正常消费"}

#: The pages an alert links to (under the web app): the statement, or the top-up page.
HISTORY, TOPUP_PAGE, CARD_PAGE = "/m/history", "/m/topup", "/m/card"


def _text(heading: str, body: str) -> str:
    return f"【{heading}】\n{body}"


def swipe(amount_fen: int, merchant: str, balance_fen: int, at: datetime) -> dict[str, Any]:
    """One swipe as a spending batch keeps it (JSON)."""
    return {"amount_fen": amount_fen, "merchant": merchant, "balance_fen": balance_fen, "at": at.isoformat()}


def spending(swipes: Sequence[dict[str, Any]]) -> Notice:
    """One notice for one swipe, or for several of the same card within a minute (in time order)."""
    last = swipes[-1]
    at = datetime.fromisoformat(last["at"]).astimezone(UTC)
    spent = -sum(int(s["amount_fen"]) for s in swipes)
    balance = int(last["balance_fen"])
    if len(swipes) == 1:
        body = f"您的校园卡在{last['merchant']}消费 {yuan(spent)} 元"
        merchant = str(last["merchant"])
    else:
        lines = "；".join(f"{short_time(datetime.fromisoformat(s['at']))} {s['merchant']} {yuan(-s['amount_fen'])} 元"
                         for s in swipes)
        body = f"您的校园卡刚刚有 {len(swipes)} 笔消费：{lines}"
        merchant = "、".join(dict.fromkeys(str(s["merchant"]) for s in swipes))
    return Notice(NoticeKind.SPENDING, _text(KIND_LABELS["spending"], f"{body}，余额 {yuan(balance)} 元。"),
                  {Field.AMOUNT: spent, Field.MERCHANT: merchant, Field.TIME: at, Field.BALANCE: balance,
                   Field.COUNT: len(swipes)}, HISTORY)


def low_balance(balance_fen: int, threshold_fen: int, card_no: str, at: datetime) -> Notice:
    """The balance fell below what the student asked to be warned at."""
    return Notice(NoticeKind.LOW_BALANCE, _text(KIND_LABELS["low_balance"], (
        f"校园卡余额 {yuan(balance_fen)} 元，已低于您设置的 {yuan(threshold_fen)} 元。发送“充值 50”即可充值。")),
        {Field.BALANCE: balance_fen, Field.TIME: at.astimezone(UTC), Field.CARD_NO: card_no,
         Field.REASON: f"已低于您设置的 {yuan(threshold_fen)} 元"}, TOPUP_PAGE)


def suspicious(rule: str, detail: str, amount_fen: int, merchant: str, balance_fen: int, at: datetime) -> Notice:
    """A swipe a rule found suspicious (`amount_fen` spent, positive): the student may report the card lost."""
    label = RULE_LABELS[rule]
    return Notice(NoticeKind.SUSPICIOUS, _text(KIND_LABELS["suspicious"], (
        f"{label}：{detail}。如非本人操作，请立即发送“挂失”。")),
        {Field.AMOUNT: amount_fen, Field.MERCHANT: merchant, Field.TIME: at.astimezone(UTC), Field.REASON: label,
         Field.BALANCE: balance_fen}, HISTORY)


def topup_ordered(amount_fen: int, below_fen: int, balance_fen: int, order_no: str, at: datetime) -> Notice:
    """An automatic top-up was placed; its receipt (`workers.money.receipts`) follows when the bank answers."""
    return Notice(NoticeKind.TOPUP, _text(KIND_LABELS["autotopup"], (
        f"余额低于 {yuan(below_fen)} 元，已为您自动充值 {yuan(amount_fen)} 元（订单号 {order_no}），"
        "结果稍后通知。发送“自动充值 关”可随时关闭。")),
        {Field.AMOUNT: amount_fen, Field.STATUS: "已提交", Field.ORDER_NO: order_no, Field.TIME: at.astimezone(UTC),
         Field.BALANCE: balance_fen, Field.REASON: f"余额低于 {yuan(below_fen)} 元，自动充值"}, CARD_PAGE)


def topup_refused(amount_fen: int, below_fen: int, balance_fen: int, reason: str, at: datetime) -> Notice:
    """An automatic top-up was due but refused (a paused 充值, the limits): the student learns why."""
    return Notice(NoticeKind.TOPUP, _text(KIND_LABELS["autotopup"], (
        f"余额低于 {yuan(below_fen)} 元，但本次自动充值未执行：{reason}")),
        {Field.AMOUNT: amount_fen, Field.STATUS: "未执行", Field.TIME: at.astimezone(UTC), Field.BALANCE: balance_fen,
         Field.REASON: reason}, CARD_PAGE)


def summary(spent: Sequence[tuple[int, str]], balance_fen: int | None, at: datetime) -> Notice:
    """每日账单: the day's spending (fen spent, merchant) and the latest balance. `at`, the moment the
    summary is made, is a time of the day it sums up."""
    fields: dict[Field, int | str | datetime] = {Field.TIME: at.astimezone(UTC), Field.AMOUNT: 0, Field.COUNT: 0}
    if balance_fen is not None:
        fields[Field.BALANCE] = balance_fen
    if not spent:
        fields[Field.REASON] = "今天没有消费记录"
        return Notice(NoticeKind.SUMMARY, _text("每日账单", "今天没有消费记录。"), fields, HISTORY)
    total = sum(fen for fen, _ in spent)
    by_merchant: dict[str, int] = {}
    for fen, merchant in spent:
        by_merchant[merchant] = by_merchant.get(merchant, 0) + fen
    top, top_fen = max(by_merchant.items(), key=lambda item: item[1])
    balance = f"；余额 {yuan(balance_fen)} 元" if balance_fen is not None else ""
    fields |= {Field.AMOUNT: total, Field.COUNT: len(spent), Field.REASON: f"花得最多的是{top}"}
    return Notice(NoticeKind.SUMMARY, _text("每日账单", (
        f"今天消费 {len(spent)} 笔，共 {yuan(total)} 元；花得最多的是{top}（{yuan(top_fen)} 元）{balance}。")),
        fields, HISTORY)
