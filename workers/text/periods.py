"""Days and months as users type them ("今天", "11-20", "上月", "2026-10"), as UTC intervals.

A period is local (Asia/Shanghai) and half-open; the card system is asked in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from events.campus_time import SHANGHAI

_DAY = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})月?$")


@dataclass(frozen=True, slots=True)
class Period:
    first: date  # local, inclusive
    end: date  # local, exclusive
    label: str

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), SHANGHAI).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end, time(), SHANGHAI).astimezone(UTC)


def local_today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def month_of(day: date, shift: int = 0) -> Period:
    """The month containing `day`, moved by `shift` months."""
    index = day.year * 12 + day.month - 1 + shift
    first = date(index // 12, index % 12 + 1, 1)
    end = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return Period(first, end, f"{first.year}年{first.month}月")


def day_period(day: date) -> Period:
    return Period(day, day + timedelta(days=1), f"{day.month}月{day.day}日")


def parse_period(text: str, now: datetime) -> Period | None:
    """None when `text` is not a day or a month we understand."""
    today = local_today(now)
    text = text.strip()
    named = {"今天": day_period(today), "昨天": day_period(today - timedelta(days=1)),
             "本月": month_of(today), "这个月": month_of(today), "上月": month_of(today, -1),
             "上个月": month_of(today, -1)}
    if text in named:
        return named[text]
    try:
        if m := _DAY.match(text):
            return day_period(date(int(m.group(1) or today.year), int(m.group(2)), int(m.group(3))))
        if m := _MONTH.match(text):
            year, month = int(m.group(1) or today.year), int(m.group(2))
            if m.group(1) is None and month > today.month:
                year -= 1  # "12月" in January means last December
            return month_of(date(year, month, 1))
    except ValueError:
        return None
    return None


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year + 1, 1, 1), f"{year}年")
