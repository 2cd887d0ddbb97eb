"""What a holder's card says, read one way for the chat answers and the pages inside WeChat.

`账单 上月` in the conversation and /m/bill?month=… on the phone call the same functions, so the two
can never show different numbers for the same period.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.cardsystem.port import CardSystem, Transaction, TransactionPage
from workers.text.bills import Bill, compute_bill
from workers.text.periods import Period, local_today, month_of, parse_period, year_period

#: Lines asked for per call when a whole period is read: a year (over a thousand lines) in one or two.
PAGE_FOR_BILLS = 2000


def statement_lines(card: CardSystem, student_no: str, period: Period) -> list[Transaction]:
    """Every statement line of `period`, newest first, page by page."""
    lines: list[Transaction] = []
    while True:
        page = card.transactions(student_no, since=period.since, until=period.until,
                                 offset=len(lines), limit=PAGE_FOR_BILLS)
        lines.extend(page.items)
        if not page.items or len(lines) >= page.total:
            return lines


def bill_month(text: str | None, now: datetime) -> Period | None:
    """The month a bill is asked for ("上月", "2026-10"; nothing: last month); None if `text` is no whole month."""
    period = parse_period(text, now) if text else month_of(local_today(now), -1)
    if period is None or period != month_of(period.first):
        return None
    return period


def bill_year(text: str | None, now: datetime) -> int | None:
    """The year of a yearly bill ("2026", "2026年"; nothing: this year); None if `text` is no year."""
    text = (text or "").strip().removesuffix("年")
    if not text:
        return local_today(now).year
    return int(text) if text.isdigit() and len(text) == 4 else None


def bill_span(period: Period, previous: Period) -> Period:
    """What a bill of `period` compared with `previous` (just before it) reads: both, in one sweep."""
    return Period(previous.first, period.end, period.label)


def first_page(card: CardSystem, student_no: str, period: Period) -> None:
    """Ask for the first page `statement_lines` reads (a declaration of reads: `reads_ahead`)."""
    card.transactions(student_no, since=period.since, until=period.until, offset=0, limit=PAGE_FOR_BILLS)


def _compared(card: CardSystem, student_no: str, period: Period, previous: Period) -> Bill:
    """The bill of `period` against `previous` (just before it), read in one sweep and split by time."""
    both = statement_lines(card, student_no, bill_span(period, previous))
    cut = period.since
    return compute_bill([t for t in both if t.at >= cut], [t for t in both if t.at < cut])


def month_bill(card: CardSystem, student_no: str, month: Period) -> Bill:
    """The month's bill, compared with the month before."""
    return _compared(card, student_no, month, month_of(month.first, -1))


def year_bill(card: CardSystem, student_no: str, year: int) -> Bill:
    """The year's bill, compared with the year before."""
    return _compared(card, student_no, year_period(year), year_period(year - 1))



#: What the statement can be narrowed to, as the card system names it (充值 are top-ups).
KINDS = ("餐饮", "购物", "洗浴", "图书", "交通", "充值", "其他")


def history_page(card: CardSystem, student_no: str, period: Period | None, now: datetime, *, kind: str = "",
                 merchant: str = "", offset: int = 0, limit: int = 20) -> TransactionPage:
    """One page of the statement, newest first, narrowed to a kind and a merchant (a part of its name).

    The card system pages by time only: narrowed, the period's lines are read and filtered here
    (without a period, the last year's).
    """
    if not kind and not merchant:
        return card.transactions(student_no, since=period.since if period else None,
                                 until=period.until if period else None, offset=offset, limit=limit)
    if period is None:
        today = local_today(now)
        period = Period(today - timedelta(days=365), today + timedelta(days=1), "最近一年")
    chosen = [t for t in statement_lines(card, student_no, period)
              if (not kind or t.category == kind) and (not merchant or merchant in t.merchant)]
    return TransactionPage(chosen[offset:offset + limit], len(chosen))
