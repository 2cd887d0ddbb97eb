"""`/readyz`: may this web process take traffic? Only if it can store a callback and enqueue it.

`/healthz` (in the ingress) answers while the process lives; a load balancer routes by `/readyz`
and a supervisor restarts by `/healthz`, so a database outage drains traffic without restarts.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from adapters.broker.stats import ping
from onecard.bootstrap import Platform

log = logging.getLogger("onecard.observability.health")


def check(platform: Platform) -> dict[str, str]:
    """"ok" or "down" per dependency; the reason goes to the log, never to the caller."""
    status: dict[str, str] = {}
    try:
        with platform.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        status["database"] = "ok"
    except Exception:
        log.warning("readiness: database down", exc_info=True)
        status["database"] = "down"
    try:
        ping(platform.broker)
        status["broker"] = "ok"
    except Exception:
        log.warning("readiness: broker down", exc_info=True)
        status["broker"] = "down"
    return status


def readyz_endpoint(platform: Platform) -> Any:
    async def readyz(_request: Request) -> Response:
        status = await run_in_threadpool(check, platform)
        ready = all(v == "ok" for v in status.values())
        return JSONResponse(status, status_code=200 if ready else 503)

    return readyz
