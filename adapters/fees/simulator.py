"""Fee systems that run locally, each checking its targets and amounts the way the real one would."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.sim.faults import FaultInjector
from adapters.sim.journal import Journal, keyed_routes
from events.campus_time import SHANGHAI

#: Dorm buildings 1-40, rooms like 10-305.
_ROOM = re.compile(r"^([1-9]|[1-3]\d|40)-\d{3,4}$")
EXAM_FEES = {"CET4": 3000, "CET6": 3000}
PHOTO_FEE = 2000
#: What the library says each demo holder owes.
LIBRARY_FINES = {"20240001": 350, "20240002": 1200}


class FeeSimulator:
    def __init__(self) -> None:
        self.journal = Journal()
        self.faults = FaultInjector()
        self.fines = dict(LIBRARY_FINES)
        self.received: dict[str, int] = {}  # kind -> fen

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """Runs under the journal's lock, once per key."""
        kind, target, amount = str(data.get("kind")), str(data.get("target")), int(data["amount_fen"])
        base = {"op": "pay", "kind": kind, "target": target, "amount_fen": amount}
        reason = self._refusal(kind, target, amount)
        if reason:
            return {**base, "status": "refused", "reason": reason}
        if kind == "library":
            self.fines[target] -= amount
        self.received[kind] = self.received.get(kind, 0) + amount
        return {**base, "status": "applied"}

    def _refusal(self, kind: str, target: str, amount: int) -> str | None:
        if amount <= 0:
            return "bad_amount"
        if kind == "power" and not _ROOM.match(target):
            return "no_such_room"
        if kind == "exam" and EXAM_FEES.get(target) != amount:
            return "wrong_exam_fee" if target in EXAM_FEES else "no_such_exam"
        if kind == "photo" and amount != PHOTO_FEE:
            return "wrong_photo_fee"
        if kind == "library" and amount > self.fines.get(target, 0):
            return "more_than_owed"
        if kind not in ("net", "power", "photo", "library", "exam", "donation"):
            return "no_such_fee_system"
        return None

    def records_on(self, date: str) -> list[dict[str, Any]]:
        """The payments applied on `date` (Shanghai), as each fee system's own ledger lists them."""
        return [{"order_no": op["order_no"], "kind": op["kind"], "target": op["target"],
                 "amount_fen": op["amount_fen"], "booked_at": op["at"]}
                for op in self.journal.entries()
                if op.get("op") == "pay" and op.get("status") == "applied"
                and datetime.fromisoformat(op["at"]).astimezone(SHANGHAI).date().isoformat() == date]

    async def records(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        return JSONResponse(self.records_on(request.query_params.get("date", "")))

    def app(self) -> Starlette:
        return Starlette(routes=[
            *keyed_routes(self.journal, self.faults, self.apply),
            Route("/records", self.records),
            Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
        ])
