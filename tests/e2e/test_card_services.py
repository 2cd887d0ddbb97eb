"""Card services from WeChat: card info, statements with paging, the bills."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import Stack
from workers.text.format import yuan
from workers.text.periods import local_today, month_of


def test_a_bound_student_sees_the_card_info_with_the_number_masked(live: Stack, openid: str) -> None:
    live.bind(openid, "20240002", "13800000002")
    reply = live.ask(openid, "卡信息")
    assert "持卡人：李四（本科生）" in reply
    assert "卡号：61****0002" in reply and "6100100002" not in reply
    assert "状态：正常" in reply and "有效期至：2028-06-30" in reply


def test_the_statement_pages_with_more_and_ends(live: Stack, openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    first = live.ask(openid, "流水")
    assert first.startswith("最近流水（1-8/") and "回复“更多”看下一页" in first
    # The newest line's balance is the card's balance (top-ups by other tests included: one ledger).
    assert f"余额 {yuan(live.simulators.card.balances['20240003'])} 元" in first
    second = live.ask(openid, "更多")
    assert "流水（9-16/" in second
    assert first.splitlines()[1] not in second


def test_the_statement_of_one_day_and_of_a_month(live: Stack, openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    last_month = month_of(local_today(datetime.now(UTC)), -1)
    reply = live.ask(openid, f"流水 {last_month.first:%Y-%m}")
    assert reply.startswith(f"{last_month.label}流水（1-8/")
    assert all(line.startswith(f"{last_month.first:%m}-") for line in reply.splitlines()[1:9])
    assert "没看懂日期" in live.ask(openid, "流水 下辈子")


def test_the_monthly_bill_compares_with_the_month_before(live: Stack, openid: str) -> None:
    live.bind(openid, "20240001")
    reply = live.ask(openid, "账单")
    label = month_of(local_today(datetime.now(UTC)), -1).label
    assert reply.startswith(f"📒 张三的{label}账单")
    assert "分类：餐饮" in reply and "常去：" in reply and "花得最多的一天" in reply
    assert "比上月" in reply
    assert len(reply) < 400


def test_the_yearly_bill_names_the_busiest_month(live: Stack, openid: str) -> None:
    live.bind(openid, "20240001")
    reply = live.ask(openid, "年度账单")
    assert "年度账单" in reply and "消费最多的月份" in reply
    assert "请这样发" in live.ask(openid, "年度账单 明年")
