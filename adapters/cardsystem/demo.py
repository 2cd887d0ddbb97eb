"""The card system simulator's demo data: five holders (`make run` shows them) and their statements.

Statements are generated backwards from today's balance, so the newest line's balance is what the
balance query says, and every balance on the way is non-negative. Deterministic per holder and day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from adapters.cardsystem.port import Transaction
from events.campus_time import SHANGHAI


@dataclass(frozen=True, slots=True)
class DemoHolder:
    """A holder as the simulator is seeded with it: the card and its opening balance."""

    student_no: str
    name: str
    phone: str
    card_no: str
    balance_fen: int
    status: str = "normal"


DEMO_HOLDERS: tuple[DemoHolder, ...] = (
    DemoHolder("20240001", "张三", "13800000001", "6100100001", 10000),
    DemoHolder("20240002", "李四", "13800000002", "6100100002", 5230),
    DemoHolder("20240003", "王五", "13800000003", "6100100003", 880),
    DemoHolder("20240004", "赵六", "13800000004", "6100100004", 0),
    DemoHolder("T0001", "陈老师", "13900000001", "6100900001", 32015),
)

#: (merchant, category, daily probability, local time window, amount range in fen)
HABITS: tuple[tuple[tuple[str, ...], str, float, tuple[time, time], tuple[int, int]], ...] = (
    (("一食堂", "二食堂"), "餐饮", 0.7, (time(7, 0), time(8, 30)), (300, 800)),
    (("一食堂", "二食堂", "三食堂", "清真餐厅"), "餐饮", 0.95, (time(11, 30), time(12, 50)), (900, 2200)),
    (("一食堂", "二食堂", "三食堂", "风味餐厅"), "餐饮", 0.85, (time(17, 20), time(18, 50)), (800, 2500)),
    (("校园超市", "教育超市"), "购物", 0.3, (time(9, 0), time(21, 30)), (350, 4800)),
    (("学生浴室",), "洗浴", 0.25, (time(19, 0), time(22, 0)), (300, 700)),
    (("图书馆文印",), "图书", 0.08, (time(9, 0), time(20, 0)), (50, 1200)),
    (("校车",), "交通", 0.06, (time(7, 0), time(18, 0)), (100, 200)),
)
TOP_UPS = ((10000, "微信充值"), (20000, "银行圈存"), (5000, "自助充值机"))
MONTHS_OF_HISTORY = 6


def _spends(rng: random.Random, day: date) -> list[tuple[datetime, int, str, str]]:
    spends = []
    for merchants, category, chance, (start, end), (low, high) in HABITS:
        if rng.random() >= chance:
            continue
        begin = datetime.combine(day, start, SHANGHAI)
        seconds = int((datetime.combine(day, end, SHANGHAI) - begin).total_seconds())
        at = (begin + timedelta(seconds=rng.randrange(seconds))).astimezone(UTC)
        spends.append((at, -rng.randrange(low, high) // 10 * 10, rng.choice(merchants), category))
    return spends


def demo_transactions(student_no: str, balance_fen: int, now: datetime,
                      months: int = MONTHS_OF_HISTORY) -> list[Transaction]:
    """About `months` months (six by default) of statement lines up to `now`, newest first."""
    local_today = now.astimezone(SHANGHAI).date()
    first = (local_today.replace(day=1) - timedelta(days=31 * months)).replace(day=1)
    rng = random.Random(f"{student_no}:{first.isoformat()}")
    events: list[tuple[datetime, int, str, str]] = []
    day = first
    while day <= local_today:
        # Some weeks are busier than others (exams, holidays): the monthly bills then differ.
        if rng.random() < 0.9:
            events.extend(e for e in _spends(rng, day) if e[0] <= now)
        day += timedelta(days=1)
    events.sort(key=lambda e: e[0], reverse=True)
    lines: list[Transaction] = []
    current = balance_fen
    for n, (at, amount, merchant, category) in enumerate(events):
        lines.append(Transaction(f"{student_no}-{n:05d}", at, amount, merchant, category, current))
        current -= amount
        if current > 25_000 and rng.random() < 0.15:
            top_up, where = rng.choice(TOP_UPS)
            # Between this spend and the one before it, so the balances chain in time order.
            older = events[n + 1][0] if n + 1 < len(events) else at - timedelta(hours=2)
            top_at = older + (at - older) * rng.uniform(0.3, 0.9)
            lines.append(Transaction(f"{student_no}-{n:05d}t", top_at, top_up, where, "充值", current))
            current -= top_up
    lines.sort(key=lambda t: t.at, reverse=True)
    return lines
