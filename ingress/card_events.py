"""`POST /cardsystem/events`: the card system's transactions, verified, stored once in the inbox and
enqueued to the `alerts` topic, exactly as a WeChat callback is.

200 once stored (a repeated `event_id` is a duplicate: 200, nothing new; a signed `test` event: 200,
nothing stored); 401 for a bad or stale signature; 400 for a body that is not a valid event; 503 when
the inbox cannot store it (the card system retries). Nothing is stored in any refusal. The wire is
the card system's contract's webhook (`adapters/cardsystem/openapi.yaml`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events.card_events import SIGNATURE_WINDOW_SECONDS, check_signature, is_test_event, parse_transaction
from events.errors import BadCallback
from events.topics import Topic
from ingress.inbox_writer import InboxWriter

log = logging.getLogger("onecard.ingress")


class CardEvents:
    """The webhook's endpoint; shares the WeChat ingress's inbox writer (one group commit for both)."""

    def __init__(self, secret: str, writer: InboxWriter, *, max_body_bytes: int = 64 * 1024,
                 max_skew: int = SIGNATURE_WINDOW_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.writer = writer
        self.max_body_bytes = max_body_bytes
        self.max_skew = max_skew
        self.clock = clock

    async def endpoint(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return _refused(BadCallback(400, "body too large"))
        body = await request.body()
        try:
            if len(body) > self.max_body_bytes:
                raise BadCallback(400, "body too large")
            check_signature(self.secret, request.headers.get("x-card-timestamp", ""),
                            request.headers.get("x-card-signature", ""), body, now=self.clock(),
                            max_skew=self.max_skew)
            tx = parse_transaction(body)
        except BadCallback as exc:
            if exc.status == 400 and is_test_event(body):  # signed and well-formed: the secret is right
                return JSONResponse({"status": "test"})
            return _refused(exc)
        try:
            stored = await self.writer.store(tx, Topic.ALERTS.value)
        except SQLAlchemyError:
            log.exception("inbox unavailable; the card system will retry")
            return JSONResponse({"error": "unavailable", "message": "temporarily unavailable"}, status_code=503)
        return JSONResponse({"status": "stored" if stored is not None else "duplicate"})


def _refused(exc: BadCallback) -> Response:
    """The card system's contract's error body: `bad_signature` (401) or `bad_event` (400), and why."""
    log.info("refused card event: %s", exc.reason)
    code = "bad_signature" if exc.status == 401 else "bad_event"
    return JSONResponse({"error": code, "message": exc.reason}, status_code=exc.status)
