"""A local SMS platform: accepts sends over HTTP and writes them to the file sink."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.sim.faults import FaultInjector, error
from adapters.sms.file_sink import FileSms

_PHONE = re.compile(r"^1\d{10}$")


class SmsSimulator:
    def __init__(self, sink: FileSms) -> None:
        self.sink = sink
        self.faults = FaultInjector()

    async def send(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return error("bad_request", "the body is not a JSON object", 400)
        phone, text = str(data.get("phone", "")), str(data.get("text", ""))
        if not _PHONE.match(phone) or not text:
            return JSONResponse({"code": 1, "message": "invalid phone or empty text"})
        self.sink.send(phone, text)
        return JSONResponse({"code": 0, "message": "ok"})

    async def sent(self, request: Request) -> Response:
        phone = request.query_params.get("phone")
        return JSONResponse([m for m in self.sink.read() if phone in (None, m["phone"])])

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/send", self.send, methods=["POST"]),
                Route("/sent", self.sent),
                self.faults.health_route(),
                Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
            ]
        )
