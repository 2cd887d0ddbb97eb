"""A local server that speaks the WeChat API the way WeChat does, errors included.

Shipped code: `make run` points the platform at it when no real API is configured, and the tests
drive wechatpy against it over HTTP. Customer-service messages need a grant of the user's
(`sim_grants.py`, fed by `sim_activity.py`); template messages are checked against the account's
templates (`sim_template_api.py`). `/_sim/…` lets a test (or the chat simulator) see what was sent
and refused, and switch faults on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from dataclasses import asdict
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.wechat.oauth_simulator import OAuthSimulator
from adapters.wechat.sim_activity import UserActivity
from adapters.wechat.sim_state import SimCore, err
from adapters.wechat.sim_template_api import TemplateApi, read_json

#: How long WeChat keeps honouring the previous token after a new one was issued.
TOKEN_OVERLAP_SECONDS = 300


class WeChatApiSimulator(SimCore):
    def __init__(self, appid: str, secret: str) -> None:
        super().__init__(appid, secret)
        #: 网页授权 (snsapi_base): the authorize redirect and the code exchange.
        self.oauth = OAuthSimulator(appid, secret)
        self.templates = TemplateApi(self)
        #: What users did, as WeChat learns it by delivering their callbacks and payments.
        self.activity = UserActivity(self.grants)

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
            return err(40002, "invalid grant_type")
        if q.get("appid") != self.state.appid:
            return err(40013, "invalid appid")
        if q.get("secret") != self.state.secret:
            return err(40125, "invalid appsecret")
        return JSONResponse(self._issue_token())

    async def stable_token(self, request: Request) -> Response:
        body = await read_json(request)
        if body is None or body.get("appid") != self.state.appid or body.get("secret") != self.state.secret:
            return err(40125, "invalid appid or appsecret")
        now = time.time()
        with self.lock:
            live = [(t, e) for t, e in self.state.tokens.items() if e - now > 300]
        if live and not body.get("force_refresh"):
            token, expires = max(live, key=lambda item: item[1])
            return JSONResponse({"access_token": token, "expires_in": int(expires - now)})
        return JSONResponse(self._issue_token())

    async def custom_send(self, request: Request) -> Response:
        """A customer-service message: only within a live grant of the user's, one unit each."""
        if self.state.latency_ms:
            await asyncio.sleep(self.state.latency_ms / 1000)
        if (bad := self.check_token(request)) is not None:
            return bad
        body = await read_json(request)
        if body is None or not body.get("touser") or not body.get("msgtype"):
            return err(44002, "empty post data")
        touser = str(body["touser"])
        with self.lock:
            if self.state.fail_next:
                return self.refused(touser, "custom", self.state.fail_next.pop(0), "injected")
            if touser in self.state.refuse:
                return self.refused(touser, "custom", self.state.refuse[touser], "refused")
            if (code := self.grants.consume(touser)) == 45015:
                return self.refused(touser, "custom", code, "response out of time limit or subscription is canceled")
            if code == 45047:
                return self.refused(touser, "custom", code, "out of response count limit")
            msgtype = str(body["msgtype"])
            content = body.get("text", {}).get("content", "") if msgtype == "text" else json.dumps(
                body.get(msgtype, {}), ensure_ascii=False
            )
            self.record(touser, msgtype, content, body)
        return err(0, "ok")

    async def menu_create(self, request: Request) -> Response:
        if (bad := self.check_token(request)) is not None:
            return bad
        body = await read_json(request)
        buttons = (body or {}).get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return err(40016, "invalid button size")
        for button in buttons:
            if len(button.get("sub_button", [])) > 5:
                return err(40023, "invalid sub button size")
        self.state.menu = body
        return err(0, "ok")

    async def menu_get(self, request: Request) -> Response:
        if (bad := self.check_token(request)) is not None:
            return bad
        if self.state.menu is None:
            return err(46003, "menu no exist")
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

    async def sim_refusals(self, request: Request) -> Response:
        """Sends WeChat refused (seq > `after`, to `touser` if given): what a student was not sent, and why."""
        touser = request.query_params.get("touser")
        after = int(request.query_params.get("after", "0"))
        with self.lock:
            found = [asdict(r) for r in self.state.refusals if r.seq > after and touser in (None, r.touser)]
        return JSONResponse(found)

    async def sim_faults(self, request: Request) -> Response:
        body = await read_json(request) or {}
        with self.lock:
            if "fail_next" in body:
                self.state.fail_next = [int(c) for c in body["fail_next"]]
            if "refuse" in body:
                self.state.refuse = {str(k): int(v) for k, v in body["refuse"].items()}
            if "latency_ms" in body:
                self.state.latency_ms = int(body["latency_ms"])
            if "token_ttl" in body:
                self.state.token_ttl = int(body["token_ttl"])
            if "banned" in body:
                self.state.banned = {str(t) for t in body["banned"]}
            if "template_refuse" in body:
                self.state.template_refuse = {str(k): int(v) for k, v in body["template_refuse"].items()}
            return JSONResponse({"fail_next": self.state.fail_next, "refuse": self.state.refuse,
                                 "latency_ms": self.state.latency_ms, "token_ttl": self.state.token_ttl,
                                 "banned": sorted(self.state.banned), "template_refuse": self.state.template_refuse})

    async def sim_expire_tokens(self, request: Request) -> Response:
        with self.lock:
            self.state.tokens = dict.fromkeys(self.state.tokens, 0.0)
        return JSONResponse({"expired": len(self.state.tokens)})

    async def sim_stats(self, request: Request) -> Response:
        return JSONResponse({"token_calls": self.state.token_calls, "messages": len(self.state.messages),
                             "refusals": len(self.state.refusals), "menu": self.state.menu})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/cgi-bin/token", self.token),
                Route("/cgi-bin/stable_token", self.stable_token, methods=["POST"]),
                Route("/cgi-bin/message/custom/send", self.custom_send, methods=["POST"]),
                Route("/cgi-bin/menu/create", self.menu_create, methods=["POST"]),
                Route("/cgi-bin/menu/get", self.menu_get),
                *self.templates.routes(),
                Route("/_sim/messages", self.sim_messages),
                Route("/_sim/refusals", self.sim_refusals),
                Route("/_sim/faults", self.sim_faults, methods=["POST"]),
                Route("/_sim/expire_tokens", self.sim_expire_tokens, methods=["POST"]),
                Route("/_sim/stats", self.sim_stats),
                *self.activity.routes(),
                *self.oauth.routes(),
            ]
        )
