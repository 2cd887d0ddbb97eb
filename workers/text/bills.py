"""The bills: what a month (or a year) of card statements says, computed in integer fen.

Pure functions over `Transaction` lists, so they are tested without any I/O; the chat handlers and
the pages fetch the lines through `workers/statements.py` and render the result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from adapters.cardsystem.port import Transaction
from events.campus_time import SHANGHAI

EARLY = time(8, 0)


@dataclass(frozen=True, slots=True)
class Total:
    name: str
    fen: int
    count: int


@dataclass(frozen=True, slots=True)
class Bill:
    spent_fen: int
    topped_up_fen: int
    count: int
    by_category: list[Total]
    top_merchants: list[Total]
    biggest_day: tuple[date, int] | None
    biggest_month: tuple[int, int] | None  # (month, fen), yearly bills only
    days_spending: int
    early_meals: int  # meals paid before 8:00: the "early bird" line
    previous_spent_fen: int | None
    #: Spending per local day and per month, oldest first (the pages draw them).
    by_day: tuple[tuple[date, int], ...] = ()
    by_month: tuple[tuple[int, int], ...] = ()

    @property
    def change_percent(self) -> int | None:
        """Spending against the previous period, rounded to a whole percent; None if nothing to compare."""
        if not self.previous_spent_fen:
            return None
        ratio = Decimal((self.spent_fen - self.previous_spent_fen) * 100) / Decimal(self.previous_spent_fen)
        return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _totals(pairs: list[tuple[str, int]]) -> list[Total]:
    fen: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for name, amount in pairs:
        fen[name] += amount
        count[name] += 1
    return [Total(name, total, count[name]) for name, total in sorted(fen.items(), key=lambda kv: (-kv[1], kv[0]))]


def spent(lines: list[Transaction]) -> int:
    return sum(-t.amount_fen for t in lines if t.amount_fen < 0)


def compute_bill(lines: list[Transaction], previous: list[Transaction] | None = None, *, top: int = 3) -> Bill:
    spends = [t for t in lines if t.amount_fen < 0]
    per_day: Counter[date] = Counter()
    per_month: Counter[int] = Counter()
    early = 0
    for t in spends:
        local = t.at.astimezone(SHANGHAI)
        per_day[local.date()] += -t.amount_fen
        per_month[local.month] += -t.amount_fen
        if t.category == "餐饮" and local.time() < EARLY:
            early += 1
    biggest_day = max(per_day.items(), key=lambda kv: (kv[1], kv[0])) if per_day else None
    biggest_month = max(per_month.items(), key=lambda kv: (kv[1], -kv[0])) if per_month else None
    return Bill(
        spent_fen=spent(lines),
        topped_up_fen=sum(t.amount_fen for t in lines if t.amount_fen > 0),
        count=len(spends),
        by_category=_totals([(t.category, -t.amount_fen) for t in spends]),
        top_merchants=_totals([(t.merchant, -t.amount_fen) for t in spends])[:top],
        biggest_day=biggest_day,
        biggest_month=biggest_month,
        days_spending=len(per_day),
        early_meals=early,
        previous_spent_fen=spent(previous) if previous is not None else None,
        by_day=tuple(sorted(per_day.items())),
        by_month=tuple(sorted(per_month.items())),
    )
