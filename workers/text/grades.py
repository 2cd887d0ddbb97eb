"""Grade points and the GPA of a term, in Decimal: what the grades page shows beside the scores.

The common four-point scale: 90–100 → 4.0, 80–89 → 3.0, 70–79 → 2.0, 60–69 → 1.0, below 60 → 0;
graded courses by their grade (优秀 4, 良好 3, 中等 2, 及格 1, 不及格 0). Pass/fail courses
(合格, 通过…) earn credits but no points, so they stay out of the GPA.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from adapters.campusdata.port import Grade

LEVELS = {"优秀": Decimal(4), "良好": Decimal(3), "中等": Decimal(2), "及格": Decimal(1), "不及格": Decimal(0)}


def credit(grade: Grade) -> Decimal:
    """The course's credits; 0 when the data store sent something that is not a number."""
    try:
        value = Decimal(grade.credit)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value > 0 else Decimal(0)


def points(score: str) -> Decimal | None:
    """The grade point of a score; None for a pass/fail course."""
    if score in LEVELS:
        return LEVELS[score]
    try:
        value = Decimal(score)
    except InvalidOperation:
        return None
    if not value.is_finite():  # "NaN", "Infinity": not a score
        return None
    return Decimal(0) if value < 60 else Decimal(min(int(value // 10) - 5, 4))


def gpa(grades: list[Grade]) -> Decimal | None:
    """Credit-weighted, to two decimals; None when no course of the list counts."""
    weighted = [(p, credit(g)) for g in grades if (p := points(g.score)) is not None and credit(g) > 0]
    total = sum((c for _, c in weighted), Decimal(0))
    if not total:
        return None
    return (sum((p * c for p, c in weighted), Decimal(0)) / total).quantize(Decimal("0.01"), ROUND_HALF_UP)
