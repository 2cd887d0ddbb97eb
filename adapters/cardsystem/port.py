"""What onecard needs from the campus card system (一卡通): one port, one service behind it.

The school's middleware answers holders, balances, self-service and the keyed card ledger on one
base URL, so the handlers, the money relay and reconciliation all hold the same client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from adapters.keyed import Outcome


@dataclass(frozen=True, slots=True)
class CardHolder:
    student_no: str
    name: str
    phone: str
    card_no: str
    status: str  # normal | lost | frozen | cancelled


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
class MerchantTotal:
    """What one merchant (a canteen, a shop) took from cards over a period: the card system's own report."""

    merchant: str
    category: str
    count: int
    amount_fen: int  # spent at it, positive


@dataclass(frozen=True, slots=True)
class TransactionPage:
    items: list[Transaction]
    total: int


#: The methods of `CardSystem` that only read: a turn may ask them ahead, and an answer may be kept
#: for the rest of the turn (`workers.runtime.reads`).
READS = frozenset({"find_holder", "balance_fen", "card_info", "transactions", "holder_by_card"})


class CardSystem(Protocol):
    """Every call raises TransientError when the card system is unreachable or busy."""

    def find_holder(self, student_no: str) -> CardHolder | None:
        """The holder of `student_no`, or None if the card system does not know it."""

    def balance_fen(self, student_no: str) -> int:
        """The card's balance in fen."""

    def card_info(self, student_no: str) -> CardInfo | None:
        """The card and its account; None when the card system does not know the holder."""

    def transactions(self, student_no: str, *, since: datetime | None = None, until: datetime | None = None,
                     offset: int = 0, limit: int = 20) -> TransactionPage:
        """Newest first, in [since, until)."""

    def merchant_totals(self, *, since: datetime, until: datetime) -> list[MerchantTotal]:
        """Spending per merchant on every card in [since, until), largest first (top-ups excluded)."""

    def holder_by_card(self, card_no: str) -> str | None:
        """The student number printed on `card_no`, or None."""

    def freeze(self, student_no: str, reason: str) -> str:
        """Report the card lost: it refuses every payment at once. Returns the new status."""

    def unfreeze(self, student_no: str) -> str:
        """Lift a loss report. Returns the new status."""

    def set_phone(self, student_no: str, phone: str) -> None:
        """Register a new mobile number for the holder (SMS codes go there from now on)."""

    def credit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str) -> Outcome:
        """Add to the card balance (圈存 or a refund), once per key. TransientError: the outcome is unknown.
        `memo` is what the statement line says (its merchant): 银行圈存, 微信充值, the fee's name + 退款
        (`events.money_kinds.ledger_memo`); the card system refuses a step without one."""

    def debit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str) -> Outcome:
        """Take from the card balance (a fee payment), once per key. TransientError: the outcome is unknown."""

    def query(self, key: str) -> Outcome:
        """The outcome of `key` so far (`not_found` if the card system never saw it)."""

    def void(self, key: str, *, order_no: str) -> Outcome:
        """Make sure `key` never applies: its outcome if it had one, else `voided`."""
