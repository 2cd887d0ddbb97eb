"""Demo data of the public data store for the demo card holders, dated around the day it starts.

Dates are relative to `today` so that a demo always has a loan due in three days, a meeting
tomorrow and lessons this week.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from events.campus_time import SHANGHAI

STUDENTS = ("20240001", "20240002", "20240003", "20240004")

COURSES = (
    (1, "08:00", "09:35", "高等数学A", "教一楼 101"),
    (1, "14:00", "15:35", "大学英语", "外语楼 203"),
    (2, "10:00", "11:35", "程序设计基础", "计算中心 305"),
    (3, "08:00", "09:35", "高等数学A", "教一楼 101"),
    (3, "19:00", "20:35", "形势与政策", "教二楼 大阶梯"),
    (4, "14:00", "15:35", "大学物理", "理科楼 112"),
    (5, "10:00", "11:35", "体育", "东区体育馆"),
)
GRADES = (
    ("2024-2025-1", "高等数学A(上)", "5", (92, 78, 85, 61)),
    ("2024-2025-1", "思想道德与法治", "3", (88, 90, 83, 75)),
    ("2024-2025-1", "大学英语(一)", "3", (81, 95, 72, 68)),
    ("2024-2025-2", "高等数学A(下)", "5", (89, 74, 80, 58)),
    ("2024-2025-2", "程序设计基础", "3.5", (95, 82, 77, 70)),
    ("2024-2025-2", "大学物理(上)", "4", (85, 79, 88, 64)),
)
BOOKS = ("三体", "算法导论", "平凡的世界", "深入理解计算机系统", "活着", "人类简史")


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), SHANGHAI).isoformat()


def demo_people(now: datetime) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """student_no -> {meetings, grades, timetable, loans, lockers}, around `now`."""
    today = now.astimezone(SHANGHAI).date()
    locker_since = (now - timedelta(minutes=100)).astimezone(SHANGHAI).isoformat()
    people: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for n, student_no in enumerate(STUDENTS):
        loans = [
            {"id": f"L{student_no}-1", "title": BOOKS[n], "borrowed_on": (today - timedelta(days=27)).isoformat(),
             "due_on": (today + timedelta(days=3)).isoformat()},
            {"id": f"L{student_no}-2", "title": BOOKS[n + 1], "borrowed_on": (today - timedelta(days=10)).isoformat(),
             "due_on": (today + timedelta(days=20)).isoformat()},
        ]
        if n == 1:
            loans.append({"id": f"L{student_no}-3", "title": BOOKS[5], "borrowed_on": (today -
                          timedelta(days=40)).isoformat(), "due_on": (today - timedelta(days=2)).isoformat()})
        people[student_no] = {
            "meetings": [
                {"id": "M1", "title": "新学期班会", "starts_at": _at(today - timedelta(days=5), 19),
                 "place": "教二楼 204",
                 "checked_in_at": _at(today - timedelta(days=5), 18, 56) if n != 2 else None},
                {"id": "M2", "title": "安全教育讲座", "starts_at": _at(today + timedelta(days=1), 15),
                 "place": "图书馆报告厅", "checked_in_at": None},
            ],
            "grades": [{"term": term, "course": course, "credit": credit, "score": str(scores[n])}
                       for term, course, credit, scores in GRADES],
            "timetable": [{"weekday": d, "starts": s, "ends": e, "course": c, "room": r} for d, s, e, c, r in COURSES],
            "loans": loans,
            "lockers": [{"place": "图书馆一楼存包柜", "number": f"A-0{23 + n}", "since": locker_since}]
            if n in (0, 1) else [],
        }
    people["T0001"] = {
        "meetings": [{"id": "M9", "title": "教学工作例会", "starts_at": _at(today + timedelta(days=2), 14),
                      "place": "行政楼 302", "checked_in_at": None}],
        "grades": [], "timetable": [{"weekday": 2, "starts": "08:00", "ends": "09:35", "course": "高等数学A（授课）",
                                     "room": "教一楼 101"}],
        "loans": [{"id": "LT0001-1", "title": "数学分析", "borrowed_on": (today - timedelta(days=50)).isoformat(),
                   "due_on": (today + timedelta(days=40)).isoformat()}],
        "lockers": [],
    }
    return people
