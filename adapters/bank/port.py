"""What onecard needs from the bank (银校接口)."""

from __future__ import annotations

from typing import Protocol

from adapters.keyed import Outcome


class Bank(Protocol):
    def debit(self, key: str, *, order_no: str, account: str, amount_fen: int) -> Outcome:
        """Debit the bank account linked to card holder `account`. Raises TransientError when the
        outcome is unknown (timeout, 5xx): ask `query(key)` before deciding anything."""

    def reverse(self, key: str, *, debit_key: str, order_no: str) -> Outcome:
        """冲正: take back the debit `debit_key` (`applied`), or make sure it never applies (`voided`)."""

    def query(self, key: str) -> Outcome:
        """The outcome of `key` so far (`not_found` if the bank never saw it)."""

    def statement(self, date: str) -> str:
        """The day's statement (Asia/Shanghai date `YYYY-MM-DD`) as CSV text."""
