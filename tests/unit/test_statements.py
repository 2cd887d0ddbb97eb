"""The statement reads the chat and the pages share (`workers/statements.py`), over the fake card system."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast

import pytest

from adapters.cardsystem.port import CardSystem, Transaction, TransactionPage
from tests.unit.fakes import NOW, FakeCardSystem, local
from workers import statements
from workers.text.bills import compute_bill
from workers.text.periods import month_of, year_period

STUDENT = "20240001"


class CountingCard(FakeCardSystem):
    """The fake card system, counting the statement pages asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.pages_read = 0

    def transactions(self, student_no: str, *, since: datetime | None = None, until: datetime | None = None,
                     offset: int = 0, limit: int = 20) -> TransactionPage:
        self.pages_read += 1
        return super().transactions(student_no, since=since, until=until, offset=offset, limit=limit)


def _line(n: int, at: datetime, *, merchant: str = "一食堂", category: str = "餐饮") -> Transaction:
    return Transaction(f"t{n}", at, -100 * n, merchant, category, 10_000 - n)


def _card(*lines: Transaction) -> CountingCard:
    card = CountingCard()
    card.statements[STUDENT] = list(lines)
    return card


def _port(card: FakeCardSystem) -> CardSystem:
    return cast(CardSystem, card)


def test_statement_lines_reads_a_long_period_page_by_page_newest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statements, "PAGE_FOR_BILLS", 2)
    card = _card(*(_line(n, local(2026, 11, n, 12)) for n in range(1, 6)))
    lines = statements.statement_lines(_port(card), STUDENT, month_of(date(2026, 11, 1)))
    assert [t.id for t in lines] == ["t5", "t4", "t3", "t2", "t1"]
    assert card.pages_read == 3


def test_statement_lines_keeps_to_the_period() -> None:
    card = _card(_line(1, local(2026, 10, 31, 23, 59)), _line(2, local(2026, 11, 1)), _line(3, local(2026, 12, 1)))
    lines = statements.statement_lines(_port(card), STUDENT, month_of(date(2026, 11, 1)))
    assert [t.id for t in lines] == ["t2"]


def test_an_empty_period_is_read_in_one_call() -> None:
    card = _card()
    assert statements.statement_lines(_port(card), STUDENT, month_of(date(2026, 11, 1))) == []
    assert card.pages_read == 1


@pytest.mark.parametrize(("text", "month"), [
    (None, (2026, 10)), ("", (2026, 10)), ("上月", (2026, 10)), ("本月", (2026, 11)), ("2026-09", (2026, 9)),
])
def test_a_bill_is_for_last_month_unless_another_whole_month_is_named(text: str | None,
                                                                     month: tuple[int, int]) -> None:
    assert statements.bill_month(text, NOW) == month_of(date(*month, 1))


@pytest.mark.parametrize("text", ["今天", "11-20", "下周", "2026-13"])
def test_a_bill_month_refuses_a_day_or_what_is_no_month(text: str) -> None:
    assert statements.bill_month(text, NOW) is None


@pytest.mark.parametrize(("text", "year"), [(None, 2026), ("", 2026), ("2025", 2025), (" 2024年", 2024)])
def test_a_yearly_bill_is_for_this_year_unless_a_year_is_named(text: str | None, year: int) -> None:
    assert statements.bill_year(text, NOW) == year


@pytest.mark.parametrize("text", ["去年", "26", "20250", "２０２５年x"])
def test_a_bill_year_refuses_what_is_no_four_digit_year(text: str) -> None:
    assert statements.bill_year(text, NOW) is None


def test_a_month_bill_compares_with_the_month_before() -> None:
    card = _card(_line(1, local(2026, 10, 5, 12)), _line(2, local(2026, 11, 3, 12)), _line(3, local(2026, 11, 4, 12)))
    bill = statements.month_bill(_port(card), STUDENT, month_of(date(2026, 11, 1)))
    assert bill == compute_bill(
        statements.statement_lines(_port(card), STUDENT, month_of(date(2026, 11, 1))),
        statements.statement_lines(_port(card), STUDENT, month_of(date(2026, 10, 1))))
    year = statements.year_bill(_port(card), STUDENT, 2026)
    assert year == compute_bill(statements.statement_lines(_port(card), STUDENT, year_period(2026)), [])


def test_an_unnarrowed_history_page_is_the_card_systems_own_page() -> None:
    card = _card(*(_line(n, local(2026, 11, n, 12)) for n in range(1, 6)))
    page = statements.history_page(_port(card), STUDENT, None, NOW, offset=1, limit=2)
    assert ([t.id for t in page.items], page.total, card.pages_read) == (["t4", "t3"], 5, 1)


def test_a_history_page_narrows_by_kind_and_a_part_of_the_merchants_name() -> None:
    card = _card(_line(1, local(2026, 11, 1, 8)), _line(2, local(2026, 11, 2, 8), merchant="二食堂"),
                 _line(3, local(2026, 11, 3, 8), merchant="浴室", category="洗浴"),
                 _line(4, local(2026, 11, 4, 8), merchant="一食堂超市", category="购物"))
    november = month_of(date(2026, 11, 1))
    by_kind = statements.history_page(_port(card), STUDENT, november, NOW, kind="餐饮")
    assert ([t.id for t in by_kind.items], by_kind.total) == (["t2", "t1"], 2)
    by_merchant = statements.history_page(_port(card), STUDENT, november, NOW, merchant="一食堂")
    assert [t.id for t in by_merchant.items] == ["t4", "t1"]
    both = statements.history_page(_port(card), STUDENT, november, NOW, kind="餐饮", merchant="一食堂")
    assert [t.id for t in both.items] == ["t1"]


def test_a_narrowed_history_pages_over_what_matched() -> None:
    card = _card(*(_line(n, local(2026, 11, n, 12)) for n in range(1, 8)))
    page = statements.history_page(_port(card), STUDENT, None, NOW, kind="餐饮", offset=2, limit=3)
    assert ([t.id for t in page.items], page.total) == (["t5", "t4", "t3"], 7)


def test_narrowed_without_dates_the_history_looks_back_one_year() -> None:
    card = _card(_line(1, NOW - timedelta(days=366)), _line(2, NOW - timedelta(days=364)), _line(3, NOW))
    page = statements.history_page(_port(card), STUDENT, None, NOW, kind="餐饮")
    assert [t.id for t in page.items] == ["t3", "t2"]

