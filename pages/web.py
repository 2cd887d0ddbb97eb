"""The pipeline every page goes through: who is looking (WeChat's word), their binding, the switch.

A page handler is a plain synchronous function `handler(ctx) -> Response`, run in a thread (the
card system is asked over HTTP). It only ever sees the holder bound to the session's openid:
no page takes a student number, so no URL or parameter reaches another holder's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from adapters.campusdata.port import CampusData
from adapters.cardsystem.port import CardSystem
from adapters.wechat.oauth import OAuthCodes, authorize_url
from pages.session import SESSION_COOKIE, STATE_COOKIE, STATE_SECONDS, Signer, new_state
from store.tables import Binding
from store.uow import UnitOfWork
from webassets import ECHARTS, WEUI
from workers.runtime.switches import paused_message
from workers.text.format import local_time, yuan

if TYPE_CHECKING:
    from pages.topup import TopupDeps

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.filters.update(yuan=yuan, local=local_time)
TEMPLATES.env.globals.update(ECHARTS=ECHARTS, WEUI=WEUI)


@dataclass(frozen=True)
class PagesConfig:
    appid: str
    secret_key: str
    oauth_base: str
    #: The web process as the phone reaches it, e.g. https://card.example.edu.cn (no trailing slash).
    public_url: str
    session_seconds: int = 7200
    #: Who may show the pages in a frame: nobody, except the chat simulator's web view where it runs.
    frame_ancestors: str = "'none'"


@dataclass
class PagesDeps:
    """What the pages read through: the database, the card system, the public data, WeChat's codes."""

    config: PagesConfig
    uow: Callable[[], UnitOfWork]
    card: CardSystem
    codes: OAuthCodes
    campus: CampusData | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    #: WeChat Pay top-ups (None where WeChat Pay is not configured: the page says so).
    topup: TopupDeps | None = None

    @property
    def signer(self) -> Signer:
        return Signer.from_secret(self.config.secret_key)


@dataclass
class Ctx:
    request: Request
    deps: PagesDeps
    session: Session
    openid: str
    binding: Binding
    now: datetime

    @property
    def student_no(self) -> str:
        return self.binding.student_no

    def query(self, name: str) -> str:
        return self.request.query_params.get(name, "").strip()

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("name", self.binding.name)
        return render(self.request, template, status_code, **context)


Handler = Callable[[Ctx], Response]


@dataclass(frozen=True)
class Page:
    path: str
    handler: Handler
    #: The feature switch of the chat function this page shows (events.routing's `feature`).
    feature: str | None = None
    #: An endpoint the page's script calls (JSON): no redirect to WeChat, a 401 instead.
    api: bool = False
    methods: tuple[str, ...] = ("GET",)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def security_headers(config: PagesConfig, bridge: str | None = None) -> dict[str, str]:
    """`bridge`: the simulated WeixinJSBridge's script, whose origin the top-up page may load and call."""
    origin = f" {urlsplit(bridge).scheme}://{urlsplit(bridge).netloc}" if bridge else ""
    return {
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        f"script-src 'self'{origin}; connect-src 'self'{origin}; frame-ancestors {config.frame_ancestors}; "
        "form-action 'self'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "private, no-store",
    }


def to_wechat(request: Request, deps: PagesDeps) -> Response:
    """No session: ask WeChat who this is, remembering the state and the page to come back to."""
    now = int(deps.clock().timestamp())
    state = new_state()
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    callback = f"{deps.config.public_url}/m/auth"
    response = RedirectResponse(authorize_url(deps.config.oauth_base, deps.config.appid, callback, state),
                                status_code=302)
    response.set_cookie(STATE_COOKIE, deps.signer.sign(state, back, expires=now + STATE_SECONDS),
                        max_age=STATE_SECONDS, path="/m/", httponly=True, samesite="lax")
    return response


def handle(page: Page, deps: PagesDeps, request: Request) -> Response:
    now = deps.clock()
    parts = deps.signer.verify(request.cookies.get(SESSION_COOKIE), int(now.timestamp()), 1)
    if parts is None:
        if page.api:
            return JSONResponse({"error": "登录已过期，请重新打开页面"}, status_code=401)
        return to_wechat(request, deps)
    openid = parts[0]
    with deps.uow() as uow:
        binding = uow.session.get(Binding, openid)
        if binding is None:
            if page.api:
                return JSONResponse({"error": "未绑定校园卡"}, status_code=403)
            return render(request, "unbound.html", 200)
        paused = paused_message(uow.session, page.feature)
        if paused is not None:
            if page.api:
                return JSONResponse({"error": paused}, status_code=503)
            return render(request, "paused.html", 200, message=paused, name=binding.name)
        return page.handler(Ctx(request, deps, uow.session, openid, binding, now))


def endpoint(page: Page, deps: PagesDeps) -> Callable[[Request], Any]:
    headers = security_headers(deps.config, deps.topup.bridge_url if deps.topup else None)

    async def serve(request: Request) -> Response:
        response = await run_in_threadpool(handle, page, deps, request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return serve


def link(path: str, **params: str | int | None) -> str:
    """A page's address with its query, leaving out what is empty."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path
