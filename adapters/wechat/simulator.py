"""A local server that speaks the WeChat API the way WeChat does, errors included.

Shipped code: `make run` points the platform at it when no real API is configured, and the tests
drive wechatpy against it over HTTP. `/_sim/…` lets a test (or the chat simulator) see what was
sent and switch faults on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.wechat.oauth_simulator import OAuthSimulator

#: How long WeChat keeps honouring the previous token after a new one was issued.
TOKEN_OVERLAP_SECONDS = 300


@dataclass
class SentMessage:
    seq: int
    touser: str
    msgtype: str
    content: str
    raw: dict[str, Any]
    at: float


@dataclass
class SimState:
    appid: str
    secret: str
    token_ttl: int = 7200
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at (epoch)
    token_calls: int = 0
    messages: list[SentMessage] = field(default_factory=list)
    #: errcodes to answer the next sends with, in order (e.g. [40001] or [-1, -1]).
    fail_next: list[int] = field(default_factory=list)
    #: openid -> errcode answered to every send to that user (45015, 45047, 43004…).
    refuse: dict[str, int] = field(default_factory=dict)
    latency_ms: int = 0
    menu: dict[str, Any] | None = None


class WeChatApiSimulator:
    def __init__(self, appid: str, secret: str) -> None:
        self.state = SimState(appid=appid, secret=secret)
        self.lock = threading.Lock()
        self.new_message = asyncio.Event()
        #: 网页授权 (snsapi_base): the authorize redirect and the code exchange.
        self.oauth = OAuthSimulator(appid, secret)

    # -- the WeChat API -------------------------------------------------------------------
    def _issue_token(self) -> dict[str, Any]:
        now = time.time()
        with self.lock:
            self.state.token_calls += 1
            # The previous token keeps working for five minutes, then dies.
            for token, expires in list(self.state.tokens.items()):
                self.state.tokens[token] = min(expires, now + TOKEN_OVERLAP_SECONDS)
            token = secrets.token_urlsafe(48)
            self.state.tokens[token] = now + self.state.token_ttl
        return {"access_token": token, "expires_in": self.state.token_ttl}

    async def token(self, request: Request) -> Response:
        q = request.query_params
        if q.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        if q.get("appid") != self.state.appid:
            return _err(40013, "invalid appid")
        if q.get("secret") != self.state.secret:
            return _err(40125, "invalid appsecret")
        return JSONResponse(self._issue_token())

    async def stable_token(self, request: Request) -> Response:
        body = await _json(request)
        if body is None or body.get("appid") != self.state.appid or body.get("secret") != self.state.secret:
            return _err(40125, "invalid appid or appsecret")
        now = time.time()
        with self.lock:
            live = [(t, e) for t, e in self.state.tokens.items() if e - now > 300]
        if live and not body.get("force_refresh"):
            token, expires = max(live, key=lambda item: item[1])
            return JSONResponse({"access_token": token, "expires_in": int(expires - now)})
        return JSONResponse(self._issue_token())

    def _check_token(self, request: Request) -> Response | None:
        token = request.query_params.get("access_token", "")
        expires = self.state.tokens.get(token)
        if expires is None:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if expires < time.time():
            return _err(42001, "access_token expired")
        return None

    async def custom_send(self, request: Request) -> Response:
        if self.state.latency_ms:
            await asyncio.sleep(self.state.latency_ms / 1000)
        if (bad := self._check_token(request)) is not None:
            return bad
        body = await _json(request)
        if body is None or not body.get("touser") or not body.get("msgtype"):
            return _err(44002, "empty post data")
        touser = str(body["touser"])
        with self.lock:
            if self.state.fail_next:
                return _err(self.state.fail_next.pop(0), "injected")
            if touser in self.state.refuse:
                return _err(self.state.refuse[touser], "refused")
            msgtype = str(body["msgtype"])
            content = body.get("text", {}).get("content", "") if msgtype == "text" else json.dumps(
                body.get(msgtype, {}), ensure_ascii=False
            )
            self.state.messages.append(
                SentMessage(len(self.state.messages) + 1, touser, msgtype, content, body, time.time())
            )
        self.new_message.set()
        self.new_message = asyncio.Event()
        return _err(0, "ok")

    async def template_send(self, request: Request) -> Response:
        if (bad := self._check_token(request)) is not None:
            return bad
        body = await _json(request)
        if body is None or not body.get("touser") or not body.get("template_id"):
            return _err(44002, "empty post data")
        with self.lock:
            seq = len(self.state.messages) + 1
            self.state.messages.append(
                SentMessage(seq, str(body["touser"]), "template",
                            json.dumps(body.get("data", {}), ensure_ascii=False), body, time.time())
            )
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": 200000 + seq})

    async def menu_create(self, request: Request) -> Response:
        if (bad := self._check_token(request)) is not None:
            return bad
        body = await _json(request)
        buttons = (body or {}).get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return _err(40016, "invalid button size")
        for button in buttons:
            if len(button.get("sub_button", [])) > 5:
                return _err(40023, "invalid sub button size")
        self.state.menu = body
        return _err(0, "ok")

    async def menu_get(self, request: Request) -> Response:
        if (bad := self._check_token(request)) is not None:
            return bad
        if self.state.menu is None:
            return _err(46003, "menu no exist")
        return JSONResponse({"menu": self.state.menu})

    # -- inspection and faults, for tests and the chat simulator ---------------------------
    async def sim_messages(self, request: Request) -> Response:
        touser = request.query_params.get("touser")
        after = int(request.query_params.get("after", "0"))
        wait = min(float(request.query_params.get("wait", "0")), 25.0)
        deadline = time.monotonic() + wait
        while True:
            with self.lock:
                found = [asdict(m) for m in self.state.messages
                         if m.seq > after and touser in (None, m.touser)]
            if found or time.monotonic() >= deadline:
                return JSONResponse(found)
            waiter = self.new_message
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout=max(0.0, deadline - time.monotonic()))

    async def sim_faults(self, request: Request) -> Response:
        body = await _json(request) or {}
        with self.lock:
            if "fail_next" in body:
                self.state.fail_next = [int(c) for c in body["fail_next"]]
            if "refuse" in body:
                self.state.refuse = {str(k): int(v) for k, v in body["refuse"].items()}
            if "latency_ms" in body:
                self.state.latency_ms = int(body["latency_ms"])
            if "token_ttl" in body:
                self.state.token_ttl = int(body["token_ttl"])
        return JSONResponse({"fail_next": self.state.fail_next, "refuse": self.state.refuse,
                             "latency_ms": self.state.latency_ms, "token_ttl": self.state.token_ttl})

    async def sim_expire_tokens(self, request: Request) -> Response:
        with self.lock:
            self.state.tokens = dict.fromkeys(self.state.tokens, 0.0)
        return JSONResponse({"expired": len(self.state.tokens)})

    async def sim_stats(self, request: Request) -> Response:
        return JSONResponse({"token_calls": self.state.token_calls, "messages": len(self.state.messages),
                             "menu": self.state.menu})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/cgi-bin/token", self.token),
                Route("/cgi-bin/stable_token", self.stable_token, methods=["POST"]),
                Route("/cgi-bin/message/custom/send", self.custom_send, methods=["POST"]),
                Route("/cgi-bin/message/template/send", self.template_send, methods=["POST"]),
                Route("/cgi-bin/menu/create", self.menu_create, methods=["POST"]),
                Route("/cgi-bin/menu/get", self.menu_get),
                Route("/_sim/messages", self.sim_messages),
                Route("/_sim/faults", self.sim_faults, methods=["POST"]),
                Route("/_sim/expire_tokens", self.sim_expire_tokens, methods=["POST"]),
                Route("/_sim/stats", self.sim_stats),
                *self.oauth.routes(),
            ]
        )


def _err(code: int, msg: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": msg})


async def _json(request: Request) -> dict[str, Any] | None:
    try:
        data = json.loads(await request.body())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
