"""Amounts, statements and matching rules: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from events.money_kinds import BY_CODE
from workers.money.amounts import BadAmount, Limits, check_limits, parse_fen
from workers.money.reconcile.match import OrderFacts, classify
from workers.money.reconcile.statement import BadStatement, Line, parse


@pytest.mark.parametrize(("text", "fen"), [("50", 5000), ("12.5", 1250), ("0.01", 1), ("¥3.00", 300), ("8元", 800)])
def test_amounts_become_integer_fen(text: str, fen: int) -> None:
    assert parse_fen(text) == fen


@pytest.mark.parametrize("text", ["0", "-5", "1.234", "abc", "1e3", "", "0.00", "NaN"])
def test_bad_amounts_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(BadAmount):
        parse_fen(text)


def test_limits_per_transaction_and_per_day() -> None:
    limits = Limits(per_transaction_fen=50_000, per_day_fen=80_000)
    check_limits(50_000, 30_000, limits)
    with pytest.raises(BadAmount, match="单笔"):
        check_limits(50_001, 0, limits)
    with pytest.raises(BadAmount, match="每日限额"):
        check_limits(40_000, 40_001, limits)


def test_a_room_number_is_checked_before_any_money_moves() -> None:
    assert BY_CODE["power"].split("10-305 50", "2024") == ("10-305", "50")
    with pytest.raises(ValueError, match="房间号"):
        BY_CODE["power"].split("305 50", "2024")
    assert BY_CODE["net"].split("30", "20240001") == ("20240001", "30")


def test_the_statement_is_read_by_header_name_in_any_column_order() -> None:
    text = "交易时间,交易金额,账号,商户订单号,交易类型,银行流水号\n2026-01-02 10:00:00,50.10,1,T1,扣款,B1\n"
    assert parse(text) == [Line("B1", "T1", "debit", 5010, "2026-01-02 10:00:00")]
    with pytest.raises(BadStatement):
        parse("流水,金额\nB1,1.00\n")


DAY = date(2026, 1, 2)


def _at(h: int, m: int, day: int = 2) -> datetime:
    return datetime(2026, 1, day, h, m, tzinfo=UTC)  # 08:00 in Shanghai at 00:00 UTC


def test_each_kind_of_difference_is_classified() -> None:
    lines = [Line("1", "ok", "debit", 100, ""), Line("2", "orphan", "debit", 200, ""),
             Line("3", "wrong", "debit", 300, ""), Line("4", "late", "debit", 400, "")]
    orders = {
        "ok": OrderFacts("ok", 100, "done", _at(3, 0), None),
        "wrong": OrderFacts("wrong", 350, "done", _at(3, 0), None),
        "missing": OrderFacts("missing", 500, "done", _at(3, 0), None),
        # moved at 00:00:30 Shanghai on the 3rd: the bank booked it on the 2nd, a timing difference
        "late": OrderFacts("late", 400, "done", datetime(2026, 1, 2, 16, 0, 30, tzinfo=UTC), None),
        "moving": OrderFacts("moving", 600, "bank_debited", _at(3, 0), None),
    }
    kinds = {f.order_no: f.kind for f in classify(DAY, lines, orders)}
    assert kinds == {"orphan": "bank_only", "wrong": "amount_mismatch", "missing": "platform_only", "late": "timing"}


def test_a_reversed_top_up_nets_to_zero_on_the_day() -> None:
    lines = [Line("1", "r", "debit", 100, ""), Line("2", "r", "reverse", 100, "")]
    orders = {"r": OrderFacts("r", 100, "reversed", _at(3, 0), _at(3, 1))}
    assert classify(DAY, lines, orders) == []


def test_order_numbers_survive_the_log_masking_of_phones_and_student_numbers() -> None:
    from onecard.observability.logs import mask
    from workers.money.orders import new_order_no

    numbers = {new_order_no(kind, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) for kind in ("topup", "net") * 500}
    assert len(numbers) == 1000
    assert all(mask(n) == n for n in numbers)
    assert {n[0] for n in numbers} == {"T", "P"}
