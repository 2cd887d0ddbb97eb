"""What the self-service functions need from the card system beyond holders and balances.

A separate port from `CardSystem` so that the card ledger (top-up) and these grow apart; the
same HTTP service answers both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CardInfo:
    student_no: str
    name: str
    card_no: str
    status: str  # normal | lost | frozen | cancelled
    kind: str  # 本科生 | 研究生 | 教职工
    bank_account: str | None  # the linked bank card, already masked by the card system
    valid_until: date


@dataclass(frozen=True, slots=True)
class Transaction:
    """One line of the card's statement (流水). Spending is negative, top-ups positive."""

    id: str
    at: datetime  # aware UTC
    amount_fen: int
    merchant: str
    category: str  # 餐饮 | 购物 | 洗浴 | 图书 | 交通 | 充值 | 其他
    balance_fen: int


@dataclass(frozen=True, slots=True)
class TransactionPage:
    items: list[Transaction]
    total: int


class CardServices(Protocol):
    def card_info(self, student_no: str) -> CardInfo | None:
        """The card and its account; None when the card system does not know the holder."""

    def transactions(self, student_no: str, *, since: datetime | None = None, until: datetime | None = None,
                     offset: int = 0, limit: int = 20) -> TransactionPage:
        """Newest first, in [since, until). Raises TransientError when unreachable."""

    def holder_by_card(self, card_no: str) -> str | None:
        """The student number printed on `card_no`, or None."""

    def freeze(self, student_no: str, reason: str) -> str:
        """Report the card lost: it refuses every payment at once. Returns the new status."""

    def unfreeze(self, student_no: str) -> str:
        """Lift a loss report. Returns the new status."""

    def set_phone(self, student_no: str, phone: str) -> None:
        """Register a new mobile number for the holder (SMS codes go there from now on)."""
