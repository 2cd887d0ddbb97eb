"""Where a terminal stands: its name starts with its campus ("本部-一食堂-03"), and campuses are far
enough apart that one card swiped at two of them within minutes was probably not one person."""

from __future__ import annotations

import math

#: Campus name -> (latitude, longitude) of its centre. The card system names terminals after them.
CAMPUSES: dict[str, tuple[float, float]] = {
    "本部": (31.0240, 121.4330),
    "东校区": (31.0300, 121.4500),
    "南校区": (30.9200, 121.4400),
    "医学院": (31.2050, 121.4600),
}


def campus_of(terminal: str) -> str | None:
    """The campus in a terminal's name, or None for a terminal we cannot place."""
    name = terminal.split("-", 1)[0]
    return name if name in CAMPUSES else None


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two campuses' centres."""
    (lat1, lon1), (lat2, lon2) = CAMPUSES[a], CAMPUSES[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
