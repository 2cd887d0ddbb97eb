"""The simulators' shared core: a journal of keyed money operations, served over HTTP with faults.

Kept in memory for the life of the simulator process (the simulators are the outside world: the
platform's crashes and restarts do not touch them); with a `path` each outcome is also appended to
a JSON-lines file and read back at start, so a system whose state outlives `make run` (the card
system's ledger) still answers a key it applied before the restart. Everything is under one lock,
so a retransmitted request applies once. `apply` sees the key as `data["key"]`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.sim.faults import FaultInjector, error

Apply = Callable[[dict[str, Any]], dict[str, Any]]


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.ops: dict[str, dict[str, Any]] = {}
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.path = path
        if path is not None and path.exists():
            for raw in path.read_text(encoding="utf-8").splitlines():
                try:
                    outcome = json.loads(raw)
                except json.JSONDecodeError:
                    continue  # cut short by a crash: never answered, so the caller asks again
                self.ops[outcome["key"]] = outcome

    def run(self, key: str, apply: Apply, data: dict[str, Any]) -> dict[str, Any]:
        """Apply `data` under `key` once; a repeated key gets the first outcome back."""
        with self.lock:
            if key in self.ops:
                return self.ops[key]
            outcome = apply({**data, "key": key})
            outcome.update(key=key, order_no=data.get("order_no"), at=self.clock().isoformat(),
                           seq=len(self.ops) + 1)
            self.ops[key] = outcome
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(outcome, ensure_ascii=False) + "\n")
            return outcome

    def void(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        """Make sure `key` never applies: its outcome if it had one, else a `voided` marker."""
        return self.run(key, lambda d: {"status": "voided", "op": d.get("op", "void")}, data)

    def get(self, key: str) -> dict[str, Any]:
        with self.lock:
            return self.ops.get(key, {"status": "not_found", "key": key})

    def entries(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(op) for op in self.ops.values()]


def keyed_routes(journal: Journal, faults: FaultInjector, apply: Apply) -> list[Route]:
    """`POST /ops/{key}` applies, `GET /ops/{key}` asks, `POST /ops/{key}/void` voids; faults included."""

    async def body(request: Request) -> dict[str, Any] | Response:
        """The JSON object sent, or the answer instead: 499 when the caller hung up before sending it
        (it timed out: nothing applies), 400 `bad_request` when it is not a JSON object."""
        try:
            data = await request.json()
        except ClientDisconnect:
            return Response(status_code=499)
        except ValueError:
            return error("bad_request", "the body is not JSON", 400)
        return data if isinstance(data, dict) else error("bad_request", "the body is not a JSON object", 400)

    async def post(request: Request) -> Response:
        # The body first: a caller that times out during an injected delay has then sent it whole.
        key, data = request.path_params["key"], await body(request)
        if isinstance(data, Response):
            return data
        if (injected := await faults.before()) is not None:
            return injected
        outcome = journal.run(key, apply, data)
        if faults.roll(faults.faults.duplicate_rate):
            faults.count("duplicate")
            outcome = journal.run(key, apply, data)  # the retransmission finds the first outcome
        return await faults.after_commit() or JSONResponse(outcome)

    async def get(request: Request) -> Response:
        if (injected := await faults.before()) is not None:
            return injected
        return JSONResponse(journal.get(request.path_params["key"]))

    async def void(request: Request) -> Response:
        data = await body(request)
        if isinstance(data, Response):
            return data
        if (injected := await faults.before()) is not None:
            return injected
        outcome = journal.void(request.path_params["key"], data)
        return await faults.after_commit() or JSONResponse(outcome)

    async def all_entries(_request: Request) -> Response:
        return JSONResponse(journal.entries())

    return [
        Route("/ops/{key}", post, methods=["POST"]),
        Route("/ops/{key}", get, methods=["GET"]),
        Route("/ops/{key}/void", void, methods=["POST"]),
        Route("/_sim/journal", all_entries),
    ]
