"""A bank that runs locally: linked accounts, keyed debits and reversals, daily statements."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.sim.faults import FaultInjector
from adapters.sim.journal import Journal, keyed_routes
from events.campus_time import SHANGHAI

#: Every linked account starts with this much; card holders listed in `unlinked` have no account.
OPENING_BALANCE_FEN = 10_000_000
STATEMENT_HEADER = ("银行流水号", "商户订单号", "交易类型", "交易金额", "交易时间", "账号")


class BankSimulator:
    def __init__(self, unlinked: frozenset[str] = frozenset({"20240004"})) -> None:
        self.journal = Journal()
        self.faults = FaultInjector()
        self.balances: dict[str, int] = {}
        self.unlinked = unlinked

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """Runs under the journal's lock, once per key."""
        if data.get("op") == "reverse":
            return self._reverse(data)
        account, amount = str(data.get("account")), data.get("amount_fen")
        if not isinstance(amount, int) or isinstance(amount, bool):
            amount = 0  # not a number of fen: refused below
        if account in self.unlinked:
            return {"status": "refused", "op": "debit", "reason": "no_linked_account", "amount_fen": amount}
        balance = self.balances.setdefault(account, OPENING_BALANCE_FEN)
        if amount <= 0 or amount > balance:
            return {"status": "refused", "op": "debit", "reason": "insufficient_funds", "amount_fen": amount}
        self.balances[account] = balance - amount
        return {"status": "applied", "op": "debit", "account": account, "amount_fen": amount}

    def _reverse(self, data: dict[str, Any]) -> dict[str, Any]:
        debit_key = str(data.get("debit_key"))
        debit = self.journal.ops.get(debit_key)
        if debit is None:
            self.journal.void(debit_key, {"op": "debit", "order_no": data.get("order_no")})
            return {"status": "voided", "op": "reverse"}
        if debit["status"] != "applied":
            return {"status": "voided", "op": "reverse"}
        debit["status"] = "reversed"
        self.balances[debit["account"]] += debit["amount_fen"]
        return {"status": "applied", "op": "reverse", "account": debit["account"], "amount_fen": debit["amount_fen"]}

    def statement_csv(self, date: str) -> str:
        """Debits (reversed ones too: they happened) and reversals booked on `date`, Shanghai time."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(STATEMENT_HEADER)
        for op in self.journal.entries():
            moved = (op.get("op") == "debit" and op["status"] in ("applied", "reversed")) or (
                op.get("op") == "reverse" and op["status"] == "applied")
            local = datetime.fromisoformat(op["at"]).astimezone(SHANGHAI)
            if moved and local.date().isoformat() == date:
                kind = "扣款" if op["op"] == "debit" else "冲正"
                fen = op["amount_fen"]
                writer.writerow((f"B{op['seq']:010d}", op["order_no"], kind, f"{fen // 100}.{fen % 100:02d}",
                                 local.strftime("%Y-%m-%d %H:%M:%S"), op["account"]))
        return out.getvalue()

    async def statement(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        return Response(self.statement_csv(request.query_params["date"]), media_type="text/csv; charset=utf-8")

    def app(self) -> Starlette:
        return Starlette(routes=[
            *keyed_routes(self.journal, self.faults, self.apply),
            Route("/statement", self.statement),
            self.faults.health_route(),
            Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
        ])
