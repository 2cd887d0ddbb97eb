"""The public data store over HTTP. Unknown people have no data: an empty answer, not an error."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from adapters.campusdata.port import DueLoan, Grade, Lesson, Loan, Locker, Meeting
from adapters.http import HttpJsonClient


def _loan(data: dict[str, Any]) -> Loan:
    return Loan(data["id"], data["title"], date.fromisoformat(data["borrowed_on"]), date.fromisoformat(data["due_on"]))


class HttpCampusData:
    def __init__(self, base_url: str, *, timeout: float = 5.0, pool_size: int = 16) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout, pool_size=pool_size)

    def _list(self, path: str, **params: Any) -> list[dict[str, Any]]:
        data = self.http.request("GET", path, ok_404=True, params=params or None)
        return [] if data is None else list(data["items"])

    def meetings(self, student_no: str) -> list[Meeting]:
        return [Meeting(m["id"], m["title"], datetime.fromisoformat(m["starts_at"]), m["place"],
                        datetime.fromisoformat(at) if (at := m.get("checked_in_at")) else None)
                for m in self._list(f"people/{student_no}/meetings")]

    def grades(self, student_no: str, term: str | None = None) -> list[Grade]:
        params = {"term": term} if term else {}
        return [Grade(g["term"], g["course"], g["credit"], g["score"])
                for g in self._list(f"people/{student_no}/grades", **params)]

    def timetable(self, student_no: str) -> list[Lesson]:
        return [Lesson(int(x["weekday"]), x["starts"], x["ends"], x["course"], x["room"])
                for x in self._list(f"people/{student_no}/timetable")]

    def loans(self, student_no: str) -> list[Loan]:
        return [_loan(x) for x in self._list(f"people/{student_no}/loans")]

    def loans_due_on(self, day: date) -> list[DueLoan]:
        return [DueLoan(x["student_no"], _loan(x["loan"])) for x in self._list("loans/due", date=day.isoformat())]

    def lockers(self, student_no: str) -> list[Locker]:
        return [Locker(x["place"], x["number"], datetime.fromisoformat(x["since"]))
                for x in self._list(f"people/{student_no}/lockers")]
