"""What the relay and reconciliation need from the card ledger (beside the holder/balance port)."""

from __future__ import annotations

from typing import Any, Protocol

from adapters.keyed import Outcome


class CardLedgerPort(Protocol):
    def credit(self, key: str, *, order_no: str, student_no: str, amount_fen: int) -> Outcome:
        """Add to the card balance (圈存 or a refund). TransientError: the outcome is unknown."""

    def debit(self, key: str, *, order_no: str, student_no: str, amount_fen: int) -> Outcome:
        """Take from the card balance (a fee payment). TransientError: the outcome is unknown."""

    def query(self, key: str) -> Outcome:
        """The outcome of `key` so far."""

    def void(self, key: str, *, order_no: str) -> Outcome:
        """Make sure `key` never applies: its outcome if it had one, else `voided`."""

    def entries(self, date: str) -> list[dict[str, Any]]:
        """The applied ledger entries of an Asia/Shanghai day."""
