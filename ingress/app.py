"""The `/wechat` callback endpoint: verify, parse, store once, enqueue, answer `success`.

WeChat gives us 5 seconds and retries three times; we answer in milliseconds and let the workers
do the rest. Nothing here decides what to answer the user.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from events.errors import BadCallback
from events.messages import InboundMessage, to_message
from events.routing import route
from ingress.inbox_writer import EnqueueMany, InboxWriter
from ingress.parse import parse_xml
from ingress.verify import check_plain, decrypt

log = logging.getLogger("onecard.ingress")

@dataclass(frozen=True)
class IngressConfig:
    token: str
    appid: str
    aes_keys: tuple[str, ...]  # current EncodingAESKey first, then the previous one
    max_body_bytes: int = 64 * 1024
    max_clock_skew: int = 300


class Ingress:
    def __init__(self, config: IngressConfig, engine: Engine, enqueue: EnqueueMany) -> None:
        self.config = config
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """`POST /wechat` as a bare ASGI app.

        This is the one hot path of the web process: routing and middleware stacks cost as much
        CPU as the verify, parse, store and enqueue, so the callback does not go through them.
        """
        status, text = await self.callback(scope, receive)
        body = text.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def callback(self, scope: Scope, receive: Receive) -> tuple[int, str]:
        """(status, text): `success` once stored, 4xx for what WeChat did not send, 503 to be retried."""
        try:
            body = await self._read_body(scope, receive)
            message = self._open(dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)),
                                 body)
        except BadCallback as exc:
            log.info("refused callback: %s", exc.reason)
            return exc.status, exc.reason
        try:
            await self._accept(message)
        except SQLAlchemyError:
            log.exception("inbox unavailable; WeChat will retry")
            return 503, "temporarily unavailable"
        except Exception:  # never a crash: WeChat retries, the inbox keeps it once
            log.exception("callback failed")
            return 500, "internal error"
        return 200, "success"

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.config.max_body_bytes:
            raise BadCallback(400, "body too large")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise BadCallback(400, "client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.config.max_body_bytes:
                raise BadCallback(400, "body too large")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if not size:
            raise BadCallback(400, "empty body")
        return b"".join(chunks)

    def _open(self, q: dict[str, str], body: bytes) -> InboundMessage:
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


class CallbackFirst:
    """`POST /wechat` straight to the ingress; the URL check and everything else through Starlette,
    whose `routes` say what the listener serves."""

    def __init__(self, ingress: Ingress, routes: list[BaseRoute]) -> None:
        self.ingress = ingress
        self.rest = Starlette(routes=routes)

    @property
    def routes(self) -> list[BaseRoute]:
        return self.rest.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/wechat":
            await self.ingress(scope, receive, send)
        else:
            await self.rest(scope, receive, send)


def create_app(ingress: Ingress, extra_routes: list[BaseRoute] | None = None) -> CallbackFirst:
    """The callback, its URL check and `/healthz`, then `extra_routes`."""

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return CallbackFirst(ingress, [
        Route("/wechat", ingress.verify_url, methods=["GET"]),
        Route("/healthz", healthz),
        *(extra_routes or []),
    ])
