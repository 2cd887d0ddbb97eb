"""What a page is and gets: its configuration, what it reads through, its context, its templates.

A page handler is a plain synchronous function `handler(ctx) -> Response`; `pages.pipeline` runs
it once the session, the binding and the feature switch were checked.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from adapters.campusdata.port import CampusData
from adapters.cardsystem.port import CardSystem
from adapters.wechat.oauth import OAuthCodes
from adapters.wechatpay.port import WeChatPay
from pages.session import Signer
from store.tables import Binding
from store.uow import UnitOfWork
from webassets import ECHARTS, WEUI
from workers.money.amounts import Limits
from workers.text.format import local_time, yuan

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))


@functools.cache
def static(name: str) -> str:
    """A file of /m/static with its content's hash: browsers keep it for a year, a changed file is a new URL."""
    digest = hashlib.sha256((HERE / "static" / name).read_bytes()).hexdigest()[:10]
    return f"/m/static/{name}?v={digest}"


TEMPLATES.env.filters.update(yuan=yuan, local=local_time)
TEMPLATES.env.globals.update(ECHARTS=ECHARTS, WEUI=WEUI, static=static)


@dataclass(frozen=True)
class PagesConfig:
    appid: str
    secret_key: str
    oauth_base: str
    #: The web process as the phone reaches it, e.g. https://card.example.edu.cn (no trailing slash).
    public_url: str
    session_seconds: int = 7200


@dataclass(frozen=True)
class TopupDeps:
    """WeChat Pay top-ups from the pages (`pages/topup.py`): the payment port, the limits, how long an
    unpaid order stays open, and how to wake the relay."""

    pay: WeChatPay
    limits: Limits
    close_after: timedelta
    wake: Callable[[int, float], None]


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


def link(path: str, **params: str | int | None) -> str:
    """A page's address with its query, leaving out what is empty."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path
