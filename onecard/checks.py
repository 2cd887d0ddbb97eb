"""One line of a report an operator or a vendor acts on: what was checked, what was seen, what to do.

`onecard doctor` (is this deployment ready?) and `onecard conformance` (does this bridge keep its
contract?) both answer with such lines, and the back-office's 运行监控 shows the doctor's. One model
and one set of marks, so a ⚠ means the same thing in all three places.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    #: Worth fixing, but nothing fails because of it: the command still exits 0.
    WARN = "warn"
    #: A blocker: users would meet it. The command exits 1.
    FAIL = "fail"
    #: Not run, and `remedy` says what would run it (a money step without `--with-money`).
    SKIP = "skip"


MARKS = {Status.OK: "✔", Status.WARN: "⚠", Status.FAIL: "✘", Status.SKIP: "–"}


@dataclass(frozen=True)
class Check:
    """`name`: what was checked; `finding`: what was seen; `remedy`: what to do, in Chinese (a setting's
    or a command's name stays as typed); `detail`: the technical evidence a developer reads (the call,
    its status and body); `seconds`: how long the call took, where it was one."""

    name: str
    status: Status
    finding: str = ""
    remedy: str = ""
    detail: str = ""
    seconds: float | None = None

    @property
    def mark(self) -> str:
        return MARKS[self.status]

    @property
    def blocker(self) -> bool:
        return self.status is Status.FAIL

    def line(self) -> str:
        """The check as one line: mark, name, finding, and the remedy unless it passed."""
        finding = f"：{self.finding}" if self.finding else ""
        remedy = f"——{self.remedy}" if self.remedy and self.status is not Status.OK else ""
        return f"{self.mark} {self.name}{finding}{remedy}"
