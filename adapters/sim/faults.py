"""Fault injection shared by the simulators: slow answers, errors and outages on demand."""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def error(code: str, message: str, status: int) -> JSONResponse:
    """The one error body of every outside system's contract: a code onecard acts on, words for people."""
    return JSONResponse({"error": code, "message": message}, status_code=status)


@dataclass
class Faults:
    """What a simulator does wrong right now. All off by default."""

    latency_ms: int = 0
    #: Share of requests answered with HTTP 503 before doing anything.
    error_rate: float = 0.0
    #: Every request answered 503.
    outage: bool = False
    #: Share of money requests that commit, then answer only after `lost_reply_ms` (the caller
    #: times out first: an unknown outcome).
    timeout_after_commit_rate: float = 0.0
    lost_reply_ms: int = 3000
    #: Share of money requests the simulator receives twice (a retransmission): must apply once.
    duplicate_rate: float = 0.0

    def update(self, data: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        for key, value in data.items():
            if key not in names:
                raise ValueError(f"unknown fault {key!r}")
            setattr(self, key, type(getattr(self, key))(value))


class FaultInjector:
    def __init__(self, seed: int | None = None, kind: type[Faults] = Faults) -> None:
        self.kind = kind
        self.faults = kind()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        #: How many faults of each kind were injected (benchmarks report it).
        self.injected: dict[str, int] = {}

    def count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1

    async def before(self) -> Response | None:
        """Apply the configured faults; a response to return instead of the real one, or None."""
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        with self._lock:
            fail = self.faults.outage or self._random.random() < self.faults.error_rate
        if fail:
            self.count("503")
            return error("unavailable", "injected fault", 503)
        return None

    def roll(self, rate: float) -> bool:
        """True with probability `rate` (one seeded generator, so a run can be replayed)."""
        with self._lock:
            return rate > 0 and self._random.random() < rate

    async def after_commit(self) -> Response | None:
        """After a money request committed: maybe lose the answer (sleep past the caller's timeout)."""
        if self.roll(self.faults.timeout_after_commit_rate):
            self.count("lost_reply")
            await asyncio.sleep(self.faults.lost_reply_ms / 1000)
            return error("timeout", "injected lost reply", 504)
        return None

    async def endpoint(self, request: Request) -> Response:
        """`GET` shows the faults, `POST` a JSON object changes them, `DELETE` clears them."""
        if request.method == "POST":
            try:
                self.faults.update(await request.json())
            except (ValueError, TypeError) as exc:
                return error("bad_request", str(exc), 400)
        elif request.method == "DELETE":
            self.faults = self.kind()
        return JSONResponse(self.faults.__dict__)

    def health_route(self) -> Route:
        """`GET /health`: the health check every outside system's contract names (`onecard doctor`
        asks it). It answers with the system's clock, so a deployment can see a skew the signatures
        would refuse, and it is down when the system is (an injected outage or error)."""

        async def health(_request: Request) -> Response:
            if (injected := await self.before()) is not None:
                return injected
            return JSONResponse({"status": "ok", "time": datetime.now(UTC).isoformat(timespec="seconds")})

        return Route("/health", health)
