"""A card system that runs locally: shipped code, used by `make run` and the tests."""

from __future__ import annotations

import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.cardsystem.demo import DEMO_HOLDERS, DemoHolder
from adapters.cardsystem.ledger import CardLedger
from adapters.cardsystem.services_sim import CardServicesSimulator
from adapters.sim.faults import FaultInjector
from adapters.sim.journal import keyed_routes


class CardSystemSimulator:
    """Holders and balances in memory, seeded with the demo holders."""

    def __init__(self, holders: tuple[DemoHolder, ...] = DEMO_HOLDERS) -> None:
        self.lock = threading.Lock()
        self.holders = {h.student_no: h for h in holders}
        self.balances = {h.student_no: h.balance_fen for h in holders}
        self.faults = FaultInjector()
        self.services = CardServicesSimulator(self)
        self.ledger = CardLedger(self.holders, self.balances)

    def add_holder(self, holder: DemoHolder) -> None:
        """More card holders (tests and benchmarks need more than the demo five)."""
        with self.ledger.journal.lock:
            self.holders[holder.student_no] = holder
            self.balances[holder.student_no] = holder.balance_fen

    async def add_holders(self, request: Request) -> Response:
        for item in await request.json():
            self.add_holder(DemoHolder(**item))
        return JSONResponse({"holders": len(self.holders)})

    async def holder(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        holder = self.holders.get(request.path_params["student_no"])
        if holder is None:
            return JSONResponse({"error": "no such holder"}, status_code=404)
        return JSONResponse(
            {"student_no": holder.student_no, "name": holder.name, "phone": holder.phone,
             "card_no": holder.card_no, "status": holder.status}
        )

    async def balance(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        student_no = request.path_params["student_no"]
        with self.ledger.journal.lock:
            balance = self.balances.get(student_no)
        if balance is None:
            return JSONResponse({"error": "no such holder"}, status_code=404)
        return JSONResponse({"student_no": student_no, "balance_fen": balance})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/holders/{student_no}", self.holder),
                Route("/holders/{student_no}/balance", self.balance),
                Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
                *self.services.routes(),
                *keyed_routes(self.ledger.journal, self.faults, self.ledger.apply),
                Route("/ledger", self.ledger.ledger),
                Route("/_sim/holders", self.add_holders, methods=["POST"]),
            ]
        )
