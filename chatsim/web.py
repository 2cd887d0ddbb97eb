"""The chat simulator's page, its small JSON API and its WebSocket, served beside the simulators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from chatsim import live
from chatsim.client import EVENTS, ChatClient
from chatsim.config import OPENID, ChatConfig
from chatsim.menu import phone_menu
from onecard.security_headers import SecurityHeaders, chat_policy
from webassets import mount as assets_mount

STATIC = Path(__file__).resolve().parent / "static"


class ChatApp:
    def __init__(self, config: ChatConfig) -> None:
        self.config = config
        self.client = ChatClient(config)

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def info(self, request: Request) -> Response:
        try:
            pushed = await run_in_threadpool(self.client.pushed_menu)
        except Exception:
            pushed = None
        return JSONResponse({
            "account": self.config.account_name,
            "callback_url": self.config.callback_url,
            "safe_mode": self.config.safe_mode,
            "sms_sink": str(self.config.sms_sink),
            "menu": phone_menu(pushed, self.config.web_url),
            "web_url": self.config.web_url,
            "pay_sim_url": self.config.pay_sim_url,
            "menu_source": "已推送到微信 API 模拟器" if pushed else "代码中定义（events/menu.py）",
        })

    async def say(self, request: Request) -> Response:
        body = await _body(request)
        openid, text = str(body.get("openid", "")), str(body.get("text", "")).strip()
        if not OPENID.match(openid) or not text:
            return JSONResponse({"error": "openid and text are required"}, status_code=400)
        delivery = await run_in_threadpool(self.client.say, openid, text)
        return JSONResponse(delivery.as_dict())

    async def event(self, request: Request) -> Response:
        body = await _body(request)
        openid, event = str(body.get("openid", "")), str(body.get("event", ""))
        key = body.get("key")
        if not OPENID.match(openid) or event not in EVENTS or (key is not None and not isinstance(key, str)):
            return JSONResponse({"error": f"openid and one of {sorted(EVENTS)} are required"}, status_code=400)
        delivery = await run_in_threadpool(self.client.event, openid, event, key)
        return JSONResponse(delivery.as_dict())

    async def authorizations(self, request: Request) -> Response:
        """`?openid=…&after=<seq>`: the web view's trips through WeChat's authorization, to show them."""
        openid = request.query_params.get("openid", "")
        if not OPENID.match(openid):
            return JSONResponse({"error": "openid is required"}, status_code=400)
        return JSONResponse(await run_in_threadpool(self.client.authorizations, openid,
                                                    _number(request.query_params.get("after"))))

    async def live(self, websocket: WebSocket) -> None:
        """`?openid=…&after=<seq>&sms_after=<n>&refusals_after=<seq>`: what the follower receives,
        the sends WeChat refused it, and new SMS, pushed."""
        q = websocket.query_params
        openid = q.get("openid", "")
        if not OPENID.match(openid):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        await live.push(websocket, self.client, openid, _number(q.get("after")), _number(q.get("sms_after")),
                        _number(q.get("refusals_after")))

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/", self.page),
            Route("/api/info", self.info),
            Route("/api/say", self.say, methods=["POST"]),
            Route("/api/event", self.event, methods=["POST"]),
            Route("/api/oauth", self.authorizations),
            WebSocketRoute("/api/live", self.live),
            Mount("/static", app=StaticFiles(directory=STATIC)),
            assets_mount(),
        ])


def create_chat_app(config: ChatConfig) -> ASGIApp:
    """The chat simulator with its security headers: its web view may show the web process's pages
    and the simulated WeChat authorization and pay sheet, nothing else."""
    return SecurityHeaders(ChatApp(config).app(), [],
                           chat_policy(config.web_url, config.wechat_sim_url, config.pay_sim_url))


def with_chat(simulators: ASGIApp, config: ChatConfig) -> Starlette:
    """The simulators' server with the chat simulator at `/chat/`."""
    return Starlette(routes=[Mount("/chat", app=create_chat_app(config)), Mount("", app=simulators)])


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0
