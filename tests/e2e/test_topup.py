"""A student tops up and pays fees from WeChat: ask, confirm, money moves, receipt."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from store.tables import MoneyOrder
from tests.harness import Stack
from workers.text.format import yuan
from workers.text.periods import local_today, month_of


def test_a_confirmed_top_up_moves_the_money_and_sends_the_receipt(live: Stack, openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    before = live.simulators.card.balances["20240003"]
    ask = live.ask(openid, "充值 50")
    assert "请确认" in ask and "50.00" in ask
    accepted, receipt = live.confirm(openid)
    assert accepted == "" or "已受理" in accepted
    assert receipt.startswith(f"充值成功，余额 {yuan(before + 5000)} 元"), receipt
    assert live.simulators.card.balances["20240003"] == before + 5000
    order = live.last_order(openid)
    assert order.status == "done" and order.amount_fen == 5000
    debit = live.simulators.bank.journal.get(f"{order.order_no}:debit")
    assert debit["status"] == "applied" and debit["amount_fen"] == 5000


def test_a_bad_amount_moves_no_money_and_says_why(live: Stack, openid: str) -> None:
    live.bind(openid, "20240002", "13800000002")
    assert "最多两位小数" in live.ask(openid, "充值 1.234")
    assert "大于 0" in live.ask(openid, "充值 0")
    assert "单笔金额不能超过" in live.ask(openid, "充值 100000")
    assert "没有待确认" in live.ask(openid, "确认")


def test_an_electricity_payment_is_debited_from_the_card_and_credited_to_the_room(live: Stack, openid: str) -> None:
    live.bind(openid, "20240001", "13800000001")
    before = live.simulators.card.balances["20240001"]
    assert "10-305" in live.ask(openid, "电费 10-305 12.50")
    _, receipt = live.confirm(openid, "CLICK")
    assert "宿舍电费（10-305）缴费成功" in receipt, receipt
    assert live.simulators.card.balances["20240001"] == before - 1250


def test_a_refused_fee_payment_is_refunded_to_the_card(live: Stack, openid: str) -> None:
    live.bind(openid, "20240001", "13800000001")
    before = live.simulators.card.balances["20240001"]
    live.ask(openid, "电费 50-305 5")  # there is no building 50: only the power system knows
    _, receipt = live.confirm(openid)
    assert "已退回校园卡" in receipt and "房间号不存在" in receipt, receipt
    assert live.simulators.card.balances["20240001"] == before
    assert live.last_order(openid).status == "refunded"


def test_a_wrong_amount_for_a_fee_the_school_sets_is_refused_before_money_moves(live: Stack, openid: str) -> None:
    live.bind(openid, "20240004", "13800000004")
    answer = live.ask(openid, "图像采集费 5")
    assert answer.startswith("您的图像采集费为 20.00 元。") and "未发生任何扣款" in answer, answer
    with live.platform.uow() as uow:
        assert uow.session.execute(select(MoneyOrder).where(MoneyOrder.openid == openid)).first() is None


def test_balance_statement_and_bill_agree_after_a_top_up_and_a_fee(live: Stack, openid: str) -> None:
    """One truth for the money: every reply about the card's money reads the card system's one ledger."""
    live.bind(openid, "20240003", "13800000003")
    live.ask(openid, "充值 50")
    live.confirm(openid)
    assert "大学英语六级（CET6），考试费 30.00 元" in live.ask(openid, "外语考试费")
    live.confirm(openid)
    now = yuan(live.simulators.card.balances["20240003"])
    assert now in live.ask(openid, "余额")
    statement = live.ask(openid, "流水")
    assert f"余额 {now} 元" in statement and "外语考试费 -30.00" in statement and "银行圈存 +50.00" in statement
    month = month_of(local_today(datetime.now(UTC)))
    lines = live.simulators.card.statement("20240003", since=month.since, until=month.until) or []
    topped_up = sum(t.amount_fen for t in lines if t.amount_fen > 0)
    assert f"充值 {yuan(topped_up)} 元" in live.ask(openid, "账单 本月")
    assert live.ask(openid, "外语考试费") == "您目前没有需要缴纳的外语考试费。"


def test_a_top_up_the_bank_refuses_fails_plainly_without_touching_the_card(live: Stack, openid: str) -> None:
    live.bind(openid, "20240004", "13800000004")  # no linked bank account
    live.ask(openid, "topup 10")
    _, receipt = live.confirm(openid, "confirm")
    assert "充值失败" in receipt and "未关联银行账户" in receipt, receipt
    assert live.simulators.card.balances["20240004"] == 0
