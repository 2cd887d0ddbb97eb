"""A campus day of card transactions, for demos and benchmarks (`onecard simulate-day`).

Each holder eats two or three meals at the canteens' peaks (breakfast 7:00–8:30, lunch 11:30–12:45
with most swipes in its middle, dinner 17:00–18:30), some ride the campus bus between campuses, some
shower in the evening and some shop; times are seconds after 06:00, amounts in fen (negative).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

H = 3600.0
#: (what, merchants, centre (s after 06:00), spread (s), share of holders, fen range)
ACTIVITIES: tuple[tuple[str, tuple[str, ...], float, float, float, tuple[int, int]], ...] = (
    ("breakfast", ("一食堂", "二食堂", "清真食堂"), 1.7 * H, 0.35 * H, 0.7, (300, 900)),
    ("bus", ("校车",), 1.9 * H, 0.25 * H, 0.2, (200, 200)),
    ("lunch", ("一食堂", "二食堂", "三食堂", "教工餐厅"), 6.1 * H, 0.2 * H, 0.95, (800, 2500)),
    ("shop", ("教育超市", "水果店", "打印店"), 9.0 * H, 2.5 * H, 0.4, (200, 4000)),
    ("bus", ("校车",), 11.3 * H, 0.25 * H, 0.2, (200, 200)),
    ("dinner", ("一食堂", "二食堂", "三食堂"), 11.8 * H, 0.3 * H, 0.85, (700, 2200)),
    ("shower", ("浴室",), 15.0 * H, 0.8 * H, 0.5, (300, 800)),
)
CAMPUSES = ("本部", "东校区", "南校区")
DAY_SECONDS = 18 * H


@dataclass(frozen=True, slots=True)
class Swipe:
    at: float  # seconds after 06:00
    student_no: str
    fen: int
    merchant: str
    terminal: str


def plan(student_nos: list[str], seed: int = 17) -> list[Swipe]:
    """Every swipe of the day, in time order; each holder stays on their home campus (the bus
    departs from it), so the day trips no suspicious-use rule of its own."""
    rng = random.Random(seed)
    swipes: list[Swipe] = []
    for student_no in student_nos:
        campus = rng.choice(CAMPUSES)
        for _what, merchants, centre, spread, share, (low, high) in ACTIVITIES:
            if rng.random() >= share:
                continue
            at = min(max(rng.gauss(centre, spread), 0.0), DAY_SECONDS)
            merchant = rng.choice(merchants)
            fen = -rng.randrange(low, high + 1, 10) if high > low else -low
            swipes.append(Swipe(at, student_no, fen, merchant, f"{campus}-{merchant}-{rng.randint(1, 20):02d}"))
    swipes.sort(key=lambda s: s.at)
    return swipes
