"""What onecard needs from the campus card system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CardHolder:
    student_no: str
    name: str
    phone: str
    card_no: str
    status: str  # normal | lost | frozen | cancelled


class CardSystem(Protocol):
    def find_holder(self, student_no: str) -> CardHolder | None:
        """The holder of `student_no`, or None if the card system does not know it."""

    def balance_fen(self, student_no: str) -> int:
        """The card's balance in fen. Raises TransientError when the card system is unreachable."""
