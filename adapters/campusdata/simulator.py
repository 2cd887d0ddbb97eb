"""A public data store that runs locally, seeded with the demo holders' data; faults on demand."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.campusdata.demo import demo_people
from adapters.sim.faults import FaultInjector, error

KINDS = ("meetings", "grades", "timetable", "loans", "lockers")


class CampusDataSimulator:
    def __init__(self, now: datetime | None = None) -> None:
        self.people = demo_people(now or datetime.now(UTC))
        self.faults = FaultInjector()

    async def listing(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        person = self.people.get(request.path_params["student_no"])
        kind = request.path_params["kind"]
        if person is None or kind not in KINDS:
            return error("no_such_person", "the data store has nothing on this person", 404)
        items = person[kind]
        if kind == "grades" and (term := request.query_params.get("term")):
            items = [g for g in items if g["term"] == term]
        return JSONResponse({"items": items})

    async def due(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        day = request.query_params.get("date", "")
        return JSONResponse({"items": [{"student_no": no, "loan": loan} for no, person in self.people.items()
                                       for loan in person["loans"] if loan["due_on"] == day]})

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/people/{student_no}/{kind}", self.listing),
            Route("/loans/due", self.due),
            self.faults.health_route(),
            Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
        ])
