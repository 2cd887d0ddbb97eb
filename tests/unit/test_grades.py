"""Grade points and GPA: the four-point scale, graded courses, pass/fail ones left out, odd data ignored."""

from __future__ import annotations

from decimal import Decimal

from adapters.campusdata.port import Grade
from workers.text.grades import gpa, points


def test_scores_and_grades_become_points() -> None:
    assert [points(s) for s in ("100", "90", "89.5", "80", "75", "60", "59.9", "0")] == [
        Decimal(4), Decimal(4), Decimal(3), Decimal(3), Decimal(2), Decimal(1), Decimal(0), Decimal(0)]
    assert points("良好") == Decimal(3) and points("不及格") == Decimal(0)
    assert points("合格") is None and points("NaN") is None and points("Infinity") is None


def test_the_gpa_is_weighted_by_credits_and_skips_what_does_not_count() -> None:
    grades = [Grade("t", "a", "4", "92"), Grade("t", "b", "2", "良好"), Grade("t", "c", "1", "合格"),
              Grade("t", "d", "x", "95"), Grade("t", "e", "-3", "95")]
    assert gpa(grades) == Decimal("3.67")
    assert gpa([Grade("t", "c", "1", "通过")]) is None and gpa([]) is None
