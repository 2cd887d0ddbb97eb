"""The `/wechat` callback endpoint: verify, parse, store once, enqueue, answer `success`.

WeChat gives us 5 seconds and retries three times; we answer in milliseconds and let the workers
do the rest. Nothing here decides what to answer the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from events.errors import BadCallback
from events.messages import InboundMessage
from events.routing import route
from ingress.batch import InboxWriter
from ingress.parse import parse_xml, to_message
from ingress.verify import check_plain, decrypt

log = logging.getLogger("onecard.ingress")

Enqueue = Callable[[str, int], None]


@dataclass(frozen=True)
class IngressConfig:
    token: str
    appid: str
    aes_keys: tuple[str, ...]  # current EncodingAESKey first, then the previous one
    max_body_bytes: int = 64 * 1024
    max_clock_skew: int = 300


class Ingress:
    def __init__(self, config: IngressConfig, engine: Engine, enqueue: Enqueue) -> None:
        self.config = config
        self.engine = engine
        self.enqueue = enqueue
        self.writer = InboxWriter(engine, enqueue)

    async def verify_url(self, request: Request) -> Response:
        """WeChat's URL check when the callback URL is saved: echo `echostr` if signed by us."""
        q = request.query_params
        try:
            check_plain(self.config.token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""),
                        max_skew=0)
        except BadCallback as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        return PlainTextResponse(q.get("echostr", ""))

    async def callback(self, request: Request) -> Response:
        try:
            body = await self._read_body(request)
            message = self._open(request, body)
        except BadCallback as exc:
            log.info("refused callback: %s", exc.reason)
            return PlainTextResponse(exc.reason, status_code=exc.status)
        try:
            await self._accept(message)
        except SQLAlchemyError:
            log.exception("inbox unavailable; WeChat will retry")
            return PlainTextResponse("temporarily unavailable", status_code=503)
        return PlainTextResponse("success")

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.config.max_body_bytes:
            raise BadCallback(400, "body too large")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.config.max_body_bytes:
                raise BadCallback(400, "body too large")
            chunks.append(chunk)
        if not size:
            raise BadCallback(400, "empty body")
        return b"".join(chunks)

    def _open(self, request: Request, body: bytes) -> InboundMessage:
        q = request.query_params
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        check_plain(self.config.token, q.get("signature", ""), timestamp, nonce,
                    max_skew=self.config.max_clock_skew)
        fields = parse_xml(body)
        if q.get("encrypt_type", "raw").lower() == "aes":
            encrypt = fields.get("Encrypt")
            if not isinstance(encrypt, str) or not encrypt:
                raise BadCallback(400, "safe-mode message without <Encrypt>")
            plaintext = decrypt(self.config.token, self.config.aes_keys, self.config.appid, encrypt,
                                q.get("msg_signature", ""), timestamp, nonce)
            fields = parse_xml(plaintext.encode())
        return to_message(fields)

    async def _accept(self, message: InboundMessage) -> None:
        """Store once; enqueue only what was new. A failed enqueue is left to the sweeper."""
        routed = route(message)
        await self.writer.store(message, routed.topic.value if routed else None)


def create_app(ingress: Ingress, extra_routes: list[Route] | None = None) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/wechat", ingress.verify_url, methods=["GET"]),
        Route("/wechat", ingress.callback, methods=["POST"]),
        Route("/healthz", healthz),
        *(extra_routes or []),
    ]
    return Starlette(routes=routes)
