"""What onecard needs from the fee systems: what a holder owes, credit a payment to a target, ask, void,
and their own records of what they received (for reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from adapters.keyed import Outcome


@dataclass(frozen=True, slots=True)
class FeeRecord:
    """One payment as a fee system booked it: what reconciliation holds our fee orders against."""

    order_no: str
    kind: str
    target: str
    amount_fen: int
    booked_at: str  # ISO 8601 with its offset


@dataclass(frozen=True, slots=True)
class Due:
    """One bill a fee system holds for a holder, at an amount the school set."""

    target: str  # what a payment of it names: the exam code, the holder's student number
    label: str  # what a student reads: "《数据结构》逾期 5 天", "大学英语四级（CET4）"
    amount_fen: int


class FeeSystems(Protocol):
    def due(self, kind: str, student_no: str) -> list[Due]:
        """What `student_no` owes in fee system `kind` now (library fines, exam and photo fees);
        empty when nothing is due. TransientError: the fee system did not answer."""

    def pay(self, key: str, *, order_no: str, kind: str, target: str, amount_fen: int, payer: str = "") -> Outcome:
        """Credit `amount_fen` to `target` in fee system `kind` on behalf of `payer` (a student number);
        `refused` when the target or amount is not acceptable there. TransientError: the outcome is unknown."""

    def query(self, key: str) -> Outcome:
        """The outcome of `key` so far."""

    def void(self, key: str, *, order_no: str) -> Outcome:
        """Make sure `key` never applies: its outcome if it had one, else `voided`."""

    def records(self, date: str) -> list[FeeRecord]:
        """Every payment the fee systems booked on `date` (Asia/Shanghai `YYYY-MM-DD`)."""
