"""What onecard needs from the fee systems: credit a payment to a target, ask, void, and their own records."""

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


class FeeSystems(Protocol):
    def pay(self, key: str, *, order_no: str, kind: str, target: str, amount_fen: int) -> Outcome:
        """Credit `amount_fen` to `target` in fee system `kind`; `refused` when the target or amount
        is not acceptable there. TransientError: the outcome is unknown."""

    def query(self, key: str) -> Outcome:
        """The outcome of `key` so far."""

    def void(self, key: str, *, order_no: str) -> Outcome:
        """Make sure `key` never applies: its outcome if it had one, else `voided`."""

    def records(self, date: str) -> list[FeeRecord]:
        """Every payment the fee systems booked on `date` (Asia/Shanghai `YYYY-MM-DD`)."""
