"""The card ledger in the card system simulator: keyed credits (圈存, refunds) and debits (payments)
that really change the balances the balance API shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.cardsystem.demo import DemoHolder
from adapters.sim.journal import Journal

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CardLedger:
    """Applies keyed operations to `balances` (shared with the simulator's balance API)."""

    def __init__(self, holders: dict[str, DemoHolder], balances: dict[str, int]) -> None:
        self.journal = Journal()
        self.holders = holders
        self.balances = balances

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """Runs under the journal's lock, once per key."""
        op, student_no, amount = str(data.get("op")), str(data.get("student_no")), int(data["amount_fen"])
        base = {"op": op, "student_no": student_no, "amount_fen": amount}
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

    async def ledger(self, request: Request) -> Response:
        """Applied entries, all or those of one Asia/Shanghai day (`?date=YYYY-MM-DD`)."""
        date = request.query_params.get("date")
        entries = [e for e in self.journal.entries() if e["status"] == "applied" and (
            date is None or datetime.fromisoformat(e["at"]).astimezone(SHANGHAI).date().isoformat() == date)]
        return JSONResponse(entries)
