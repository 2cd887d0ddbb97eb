"""The card system simulator's state: holders, balances and statements behind one lock.

Every endpoint and the keyed ledger read and change holders through here, so a card reported lost
refuses the very next debit and a balance never shows half a credit. The journal runs `apply`
under its own lock; this lock is only ever taken inside it, never around it.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime
from typing import Any

from adapters.cardsystem.demo import DemoHolder, demo_transactions
from adapters.cardsystem.port import Transaction


class CardState:
    def __init__(self, holders: tuple[DemoHolder, ...], now: datetime | None = None) -> None:
        self.lock = threading.Lock()
        self.holders = {h.student_no: h for h in holders}
        self.balances = {h.student_no: h.balance_fen for h in holders}
        now = now or datetime.now(UTC)
        #: Statements of the holders the simulator starts with; holders added later have none.
        self.statements: dict[str, list[Transaction]] = {
            h.student_no: demo_transactions(h.student_no, h.balance_fen, now) for h in holders
        }

    def add_holder(self, holder: DemoHolder) -> None:
        """More card holders (tests and benchmarks need more than the demo five)."""
        with self.lock:
            self.holders[holder.student_no] = holder
            self.balances[holder.student_no] = holder.balance_fen
            self.statements.setdefault(holder.student_no, [])  # a new card: an empty statement, not an unknown one

    def holder(self, student_no: str) -> DemoHolder | None:
        with self.lock:
            return self.holders.get(student_no)

    def balance(self, student_no: str) -> int | None:
        with self.lock:
            return self.balances.get(student_no)

    def by_card(self, card_no: str) -> DemoHolder | None:
        with self.lock:
            return next((h for h in self.holders.values() if h.card_no == card_no), None)

    def change(self, student_no: str, *, status: str | None = None, phone: str | None = None) -> DemoHolder | None:
        """The holder after a loss report, its lifting or a new phone; None for an unknown holder."""
        with self.lock:
            holder = self.holders.get(student_no)
            if holder is None:
                return None
            holder = dataclasses.replace(holder, status=status or holder.status, phone=phone or holder.phone)
            self.holders[student_no] = holder
            return holder

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """One keyed ledger operation (圈存 and refunds credit, payments debit); the journal runs it once per key."""
        op, student_no, amount = str(data.get("op")), str(data.get("student_no")), int(data["amount_fen"])
        base = {"op": op, "student_no": student_no, "amount_fen": amount}
        with self.lock:
            holder = self.holders.get(student_no)
            if holder is None:
                return {**base, "status": "refused", "reason": "no_such_card"}
            if holder.status == "cancelled" or (holder.status != "normal" and op == "debit"):
                return {**base, "status": "refused", "reason": f"card_{holder.status}"}
            if amount <= 0 or op not in ("credit", "debit"):
                return {**base, "status": "refused", "reason": "bad_request"}
            balance = self.balances[student_no]
            if op == "debit" and amount > balance:
                return {**base, "status": "refused", "reason": "insufficient_balance"}
            balance += amount if op == "credit" else -amount
            self.balances[student_no] = balance
        return {**base, "status": "applied", "balance_after_fen": balance}
