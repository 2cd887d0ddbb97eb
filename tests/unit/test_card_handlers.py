"""The card queries: card info, the statement with paging by 更多, the monthly and yearly bills."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from events import commands as c
from store.tables import ServiceState
from tests.unit.fakes import NOW, FakeCardSystem, bind, local, ports, said, turn
from workers.runtime.conversation import Memory
from workers.topics import card as card_topic


def test_card_info_shows_the_masked_card_and_its_state(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.freeze("20240001", "test")
    t = turn(session, ports(card))
    card_topic.card_info(c.ShowCardInfo(), t)
    assert said(t).split("\n") == ["持卡人：张三（本科生）", "卡号：61****0001", "状态：已挂失", "绑定银行卡：未绑定",
                                   "有效期至：2028-06-30"]


def test_card_info_says_so_when_the_card_system_lost_the_holder(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    del card.holders["20240001"]
    t = turn(session, ports(card))
    card_topic.card_info(c.ShowCardInfo(), t)
    assert "没有找到您的卡" in said(t)


def _statement(card: FakeCardSystem) -> None:
    """Ten meals today (16:00 back to 11:30) and two shop visits yesterday."""
    for n in range(10):
        card.spend("20240001", NOW - timedelta(minutes=30 * n), -1200)
    for n in range(2):
        card.spend("20240001", NOW - timedelta(days=1, hours=n), -350, "校园超市", "购物")


def test_the_statement_pages_eight_lines_at_a_time_with_more(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    _statement(card)
    first = turn(session, ports(card))
    card_topic.history(c.ShowHistory(), first)
    session.flush()
    lines = said(first).split("\n")
    assert lines[0] == "最近流水（1-8/12）："
    assert lines[1] == "11-25 16:00 一食堂 -12.00"
    assert lines[-2:] == ["截至 11-25 16:00 余额 100.00 元", "回复“更多”看下一页"]  # the moment it is true
    assert session.get(ServiceState, ("oA", "history")) is not None

    second = turn(session, ports(card))
    card_topic.more_history(c.MoreHistory(), second)
    session.flush()
    lines = said(second).split("\n")
    assert lines[0] == "最近流水（9-12/12）："
    assert lines[-1] == "已全部显示" and "余额" not in said(second)
    assert lines[-2] == "11-24 15:00 校园超市 -3.50"

    third = turn(session, ports(card))
    card_topic.more_history(c.MoreHistory(), third)
    assert said(third) == "没有更多记录了。"


def test_in_a_group_more_continues_a_statement_asked_earlier_in_the_same_group(
        session: Session, card: FakeCardSystem) -> None:
    """A group preloads its senders' states: the second turn must find the state the first one
    added in the group's transaction (not yet written), and not add a second row for it."""
    bind(session, card)
    _statement(card)
    memory = Memory(session, ["oA", "oB"])
    first, second = turn(session, ports(card)), turn(session, ports(card))
    first.memory = second.memory = memory
    card_topic.history(c.ShowHistory(), first)
    card_topic.more_history(c.MoreHistory(), second)
    assert said(second).split("\n")[0] == "最近流水（9-12/12）："
    session.flush()  # one row: a second one for the same key would fail here
    assert session.get_one(ServiceState, ("oA", "history")).data["offset"] == 12


def test_the_statement_of_one_day_leaves_out_the_others(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    _statement(card)
    t = turn(session, ports(card))
    card_topic.history(c.ShowHistory("今天"), t)
    session.flush()
    assert said(t).startswith("11月25日流水（1-8/10）：")
    more = turn(session, ports(card))
    card_topic.more_history(c.MoreHistory(), more)
    assert said(more).startswith("11月25日流水（9-10/10）：") and "校园超市" not in said(more)


def test_a_day_without_lines_says_so(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    _statement(card)
    t = turn(session, ports(card))
    card_topic.history(c.ShowHistory("11-20"), t)
    assert said(t) == "11月20日没有交易记录。"


def test_a_date_we_cannot_read_is_explained_and_remembered_nowhere(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_topic.history(c.ShowHistory("下周"), t)
    assert "没看懂日期" in said(t)
    assert session.get(ServiceState, ("oA", "history")) is None


def test_more_before_any_statement_asks_for_the_statement_first(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_topic.more_history(c.MoreHistory(), t)
    assert said(t) == "请先发送“流水”查看交易记录。"


def _october_and_september(card: FakeCardSystem) -> None:
    card.spend("20240001", local(2026, 10, 5, 9, 0), 10000, "银行圈存", "充值")
    card.spend("20240001", local(2026, 10, 8, 7, 30), -500)
    card.spend("20240001", local(2026, 10, 8, 12, 0), -1500, "二食堂")
    card.spend("20240001", local(2026, 10, 20, 19, 0), -3000, "校园超市", "购物")
    card.spend("20240001", local(2026, 9, 15, 12, 0), -4000, "二食堂")


def test_the_monthly_bill_defaults_to_last_month_and_compares_it(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    _october_and_september(card)
    t = turn(session, ports(card))
    card_topic.month_bill(c.ShowBill(), t)
    assert said(t).split("\n") == [
        "📒 张三的2026年10月账单",
        "消费 50.00 元，共 3 笔；充值 100.00 元",
        "分类：购物 30.00，餐饮 20.00",
        "常去：校园超市（1次），二食堂（1次），一食堂（1次）",
        "花得最多的一天：10月20日，30.00 元",
        "早起指数：8点前吃早餐 1 次 🌅",
        "比上月多花了 25%",
    ]


def test_a_month_without_spending_has_an_empty_bill(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    _october_and_september(card)
    t = turn(session, ports(card))
    card_topic.month_bill(c.ShowBill("2026-08"), t)
    assert said(t) == "张三的2026年8月账单：这段时间没有消费记录。"


def test_a_bill_is_for_a_whole_month_not_a_day(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_topic.month_bill(c.ShowBill("11-20"), t)
    assert said(t).startswith("请这样发：账单")


def test_the_yearly_bill_counts_every_line_past_one_page(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    for n in range(600):
        card.spend("20240001", local(2026, 1, 1, 0, 30) + timedelta(hours=n), -100)
    for n in range(100):
        card.spend("20240001", local(2025, 6, 1, 12, 0) + timedelta(hours=n), -100)
    t = turn(session, ports(card))
    card_topic.year_bill(c.ShowYearBill("2026年"), t)
    text = said(t)
    assert text.startswith("📒 张三的2026年年度账单")
    assert "消费 600.00 元，共 600 笔" in text
    assert "消费最多的月份：1月" in text and "比去年多花了 500%" in text


def test_a_year_must_have_four_digits(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_topic.year_bill(c.ShowYearBill("26"), t)
    assert said(t) == "请这样发：年度账单 / 年度账单 2026"
