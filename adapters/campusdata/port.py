"""What onecard reads from the school's public data store, per card holder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str
    title: str
    starts_at: datetime
    place: str
    #: When the holder's card was read at the door; None = not (yet) checked in.
    checked_in_at: datetime | None


@dataclass(frozen=True, slots=True)
class Grade:
    term: str  # e.g. 2024-2025-1
    course: str
    credit: str  # a decimal as text: "3.5"
    score: str  # "92" or "优秀"


@dataclass(frozen=True, slots=True)
class Lesson:
    weekday: int  # 1 = Monday … 7 = Sunday
    starts: str  # "08:00"
    ends: str
    course: str
    room: str


@dataclass(frozen=True, slots=True)
class Loan:
    id: str
    title: str
    borrowed_on: date
    due_on: date


@dataclass(frozen=True, slots=True)
class DueLoan:
    student_no: str
    loan: Loan


@dataclass(frozen=True, slots=True)
class Locker:
    place: str
    number: str
    since: datetime


#: The methods of `CampusData` a turn may ask ahead (`workers.runtime.reads`); all of them only read.
READS = frozenset({"meetings", "grades", "timetable", "loans", "lockers"})


class CampusData(Protocol):
    def meetings(self, student_no: str) -> list[Meeting]: ...

    def grades(self, student_no: str, term: str | None = None) -> list[Grade]: ...

    def timetable(self, student_no: str) -> list[Lesson]:
        """The weekly timetable of the current term."""

    def loans(self, student_no: str) -> list[Loan]: ...

    def loans_due_on(self, day: date) -> list[DueLoan]:
        """Every open loan due on `day`, for the reminders (one call, not one per reader)."""

    def lockers(self, student_no: str) -> list[Locker]:
        """The lockers (存包柜) the holder's card has closed and not opened again."""
