"""The bill computations and the periods people type, without any I/O."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from adapters.cardsystem.demo import demo_transactions
from adapters.cardsystem.port import Transaction
from workers.text.bills import compute_bill
from workers.text.periods import Period, month_of, parse_period


def _t(day: int, hour: int, fen: int, merchant: str = "一食堂", category: str = "餐饮") -> Transaction:
    # Hours are UTC; Shanghai is 8 hours ahead.
    return Transaction(f"t{day}{hour}{fen}", datetime(2026, 10, day, hour, tzinfo=UTC), fen, merchant, category, 0)


def test_a_bill_totals_by_category_and_merchant_and_finds_the_biggest_day() -> None:
    lines = [_t(1, 23, -500), _t(2, 4, -1500), _t(2, 10, -3000, "校园超市", "购物"), _t(3, 4, -1200),
             _t(3, 5, 20000, "微信充值", "充值")]
    bill = compute_bill(lines, [_t(1, 4, -4000)])
    assert bill.spent_fen == 6200 and bill.topped_up_fen == 20000 and bill.count == 4
    assert [(t.name, t.fen, t.count) for t in bill.by_category] == [("餐饮", 3200, 3), ("购物", 3000, 1)]
    assert bill.top_merchants[0].name == "一食堂" and bill.top_merchants[0].count == 3
    # 10-01 23:00, 10-02 04:00 and 10:00 UTC are all October 2nd in Shanghai: 50 yuan.
    assert bill.biggest_day == (date(2026, 10, 2), 5000)
    # 10-01 23:00 UTC is 07:00 on October 2nd in Shanghai: an early breakfast.
    assert bill.early_meals == 1
    assert bill.change_percent == 55  # 62 against 40 yuan


def test_less_spending_is_a_negative_change_and_no_history_is_none() -> None:
    assert compute_bill([_t(1, 4, -300)], [_t(1, 4, -400)]).change_percent == -25
    assert compute_bill([_t(1, 4, -300)], []).change_percent is None
    assert compute_bill([], []).count == 0


def _period(text: str, now: datetime) -> Period:
    found = parse_period(text, now)
    assert found is not None, text
    return found


def test_typed_days_and_months_become_shanghai_periods() -> None:
    now = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)  # already January 6th in Shanghai
    assert _period("今天", now).first == date(2026, 1, 6)
    assert parse_period("上月", now) == month_of(date(2025, 12, 1))
    assert _period("12月", now).first == date(2025, 12, 1)
    assert _period("2025-11-20", now).label == "11月20日"
    assert parse_period("11-31", now) is None and parse_period("明年", now) is None
    january = month_of(date(2026, 1, 15))
    assert january.since == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def test_demo_statements_end_at_the_card_balance_and_never_go_negative() -> None:
    lines = demo_transactions("20240003", 880, datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert lines[0].balance_fen == 880
    assert all(t.balance_fen >= 0 for t in lines)
    for newer, older in itertools.pairwise(lines):
        assert older.balance_fen == newer.balance_fen - newer.amount_fen
    assert {"一食堂", "校园超市", "学生浴室"} <= {t.merchant for t in lines}
