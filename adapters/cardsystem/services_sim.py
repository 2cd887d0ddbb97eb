"""The card system simulator's self-service endpoints: card info, statements, loss reports, phone.

Separate from `simulator.py` (holders and balances; the ledger grows there) but sharing its
holders, lock and fault injection, so a frozen card is frozen for every endpoint.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.cardsystem.demo_transactions import demo_transactions
from adapters.cardsystem.services_port import Transaction

if TYPE_CHECKING:
    from adapters.cardsystem.simulator import CardSystemSimulator


def _not_found() -> Response:
    return JSONResponse({"error": "no such holder"}, status_code=404)


class CardServicesSimulator:
    def __init__(self, card: CardSystemSimulator, now: datetime | None = None) -> None:
        self.card = card
        now = now or datetime.now(UTC)
        self.statements: dict[str, list[Transaction]] = {
            h.student_no: demo_transactions(h.student_no, h.balance_fen, now) for h in card.holders.values()
        }

    async def card_info(self, request: Request) -> Response:
        if (injected := await self.card.faults.before()) is not None:
            return injected
        holder = self.card.holders.get(request.path_params["student_no"])
        if holder is None:
            return _not_found()
        staff = holder.student_no.startswith("T")
        return JSONResponse({
            "student_no": holder.student_no, "name": holder.name, "card_no": holder.card_no,
            "status": holder.status, "kind": "教职工" if staff else "本科生",
            "bank_account": f"6222 **** **** {holder.card_no[-4:]}",
            "valid_until": "2030-12-31" if staff else f"20{int(holder.student_no[2:4]) + 4}-06-30",
        })

    async def transactions(self, request: Request) -> Response:
        if (injected := await self.card.faults.before()) is not None:
            return injected
        lines = self.statements.get(request.path_params["student_no"])
        if lines is None:
            return _not_found()
        q = request.query_params
        since = datetime.fromisoformat(q["since"]) if "since" in q else None
        until = datetime.fromisoformat(q["until"]) if "until" in q else None
        offset, limit = int(q.get("offset", 0)), min(int(q.get("limit", 20)), 2000)
        chosen = [t for t in lines if (since is None or t.at >= since) and (until is None or t.at < until)]
        return JSONResponse({"total": len(chosen), "items": [
            {"id": t.id, "at": t.at.isoformat(), "amount_fen": t.amount_fen, "merchant": t.merchant,
             "category": t.category, "balance_fen": t.balance_fen} for t in chosen[offset:offset + limit]
        ]})

    async def by_card(self, request: Request) -> Response:
        if (injected := await self.card.faults.before()) is not None:
            return injected
        card_no = request.path_params["card_no"]
        for holder in self.card.holders.values():
            if holder.card_no == card_no:
                return JSONResponse({"student_no": holder.student_no})
        return JSONResponse({"error": "no such card"}, status_code=404)

    async def _change(self, request: Request, **changes: str) -> Response:
        if (injected := await self.card.faults.before()) is not None:
            return injected
        student_no = request.path_params["student_no"]
        with self.card.lock:
            holder = self.card.holders.get(student_no)
            if holder is None:
                return _not_found()
            holder = dataclasses.replace(holder, **changes)
            self.card.holders[student_no] = holder
        return JSONResponse({"student_no": student_no, "status": holder.status, "phone": holder.phone})

    async def freeze(self, request: Request) -> Response:
        return await self._change(request, status="lost")

    async def unfreeze(self, request: Request) -> Response:
        return await self._change(request, status="normal")

    async def phone(self, request: Request) -> Response:
        phone = str((await request.json()).get("phone", ""))
        if not (phone.isdigit() and len(phone) == 11):
            return JSONResponse({"error": "bad phone"}, status_code=400)
        return await self._change(request, phone=phone)

    def routes(self) -> list[Route]:
        return [
            Route("/holders/{student_no}/card", self.card_info),
            Route("/holders/{student_no}/transactions", self.transactions),
            Route("/holders/{student_no}/freeze", self.freeze, methods=["POST"]),
            Route("/holders/{student_no}/unfreeze", self.unfreeze, methods=["POST"]),
            Route("/holders/{student_no}/phone", self.phone, methods=["POST"]),
            Route("/cards/{card_no}", self.by_card),
        ]
