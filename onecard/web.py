"""The web process: the WeChat callback ingress, the back-office under /admin and the pages under /m
on the public listener; readiness and metrics on the operations listener (`ONECARD_OPS_HOST`/`ONECARD_OPS_PORT`).

`/readyz` names what is down and `/metrics` shows queue depths and backlogs: for the operators'
load balancer and Prometheus, never for whoever can reach the callback URL.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.wechat.oauth import HttpOAuthCodes
from backoffice.app import create_backoffice
from ingress.app import CallbackFirst, Ingress, IngressConfig, create_app
from ingress.card_events import CardEvents
from ingress.inbox_writer import InboxWriter
from ingress.wechatpay_notify import NotifyConfig, PayNotify
from onecard.bootstrap import Platform, build, platform_keys
from onecard.observability import logs
from onecard.observability.health import readyz_endpoint
from onecard.observability.metrics import RequestMetrics, metrics_endpoint
from onecard.security_headers import ASSETS, BACKOFFICE, MACHINE, SecurityHeaders, pages_policy
from onecard.settings import OFFICIAL_OAUTH_BASE, Settings
from pages.app import create_pages
from pages.web import PagesConfig, PagesDeps, TopupDeps
from webassets import PREFIX as ASSETS_PREFIX
from webassets import mount as assets_mount

ADMIN = "/admin"
PAGES = "/m"


def ingress_config(settings: Settings) -> IngressConfig:
    keys = tuple(
        key.get_secret_value()
        for key in (settings.wechat_aes_key, settings.wechat_previous_aes_key)
        if key is not None
    )
    return IngressConfig(
        token=settings.wechat_token.get_secret_value(),
        appid=settings.wechat_appid,
        aes_keys=keys,
        max_body_bytes=settings.max_body_bytes,
        max_clock_skew=settings.max_clock_skew_seconds,
    )


def create_web_app(platform: Platform) -> ASGIApp:
    """The public listener, every answer with its area's security headers, counted."""
    return RequestMetrics(with_security_headers(public_app(platform), platform.settings))


def public_app(platform: Platform) -> CallbackFirst:
    """`/wechat`, `/cardsystem/events`, `/wechatpay/notify`, `/healthz`, `/assets`, `/admin`, `/m`."""
    ingress = Ingress(ingress_config(platform.settings), platform.engine, platform.enqueue_events)
    s = platform.settings
    card_events = CardEvents(s.card_events_secret.get_secret_value(), ingress.writer,
                             max_body_bytes=s.max_body_bytes)
    return create_app(ingress, [assets_mount(), Route("/cardsystem/events", card_events.endpoint, methods=["POST"]),
                                *wechatpay_routes(platform, ingress.writer),
                                Mount(ADMIN, app=create_backoffice(platform)),
                                Mount(PAGES, app=create_pages(pages_deps(platform)))])


def with_security_headers(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Each area's policy (`onecard.security_headers`); HSTS once the public URL is https."""
    areas = [(ADMIN, BACKOFFICE), (PAGES, pages_policy(frame_ancestors(settings))), (ASSETS_PREFIX, ASSETS)]
    return SecurityHeaders(app, areas, MACHINE, hsts=settings.resolved_public_url.startswith("https://"))


def wechatpay_routes(platform: Platform, writer: InboxWriter) -> list[BaseRoute]:
    """`POST /wechatpay/notify`, where WeChat Pay's settings are given: stored through the inbox writer
    the WeChat callbacks and card events share."""
    s = platform.settings
    if not s.wechatpay_enabled or s.wechatpay_mchid is None or s.wechatpay_apiv3_key is None:
        return []
    config = NotifyConfig(s.wechatpay_mchid, s.wechatpay_apiv3_key.get_secret_value(), platform_keys(s),
                          s.max_body_bytes)
    return [Route("/wechatpay/notify", PayNotify(config, platform.engine, writer).endpoint,
                  methods=["POST"])]


def pages_deps(platform: Platform) -> PagesDeps:
    """The pages inside WeChat read through the platform's own card system and database."""
    s = platform.settings
    config = PagesConfig(appid=s.wechat_appid, secret_key=s.secret_key.get_secret_value(),
                         oauth_base=s.wechat_oauth_base, public_url=s.resolved_public_url,
                         session_seconds=s.page_session_seconds)
    codes = HttpOAuthCodes(s.wechat_sns_base, s.wechat_appid, s.wechat_secret.get_secret_value())
    return PagesDeps(config, platform.uow, platform.ports.card, codes, campus=platform.ports.campus,
                     topup=topup_deps(platform))


def topup_deps(platform: Platform) -> TopupDeps | None:
    """WeChat Pay top-ups from the pages, where WeChat Pay is configured."""
    s, pay = platform.settings, platform.money.wechatpay if platform.money else None
    if pay is None:
        return None
    return TopupDeps(pay, platform.ports.limits, timedelta(seconds=s.wechatpay_close_after_seconds),
                     platform.wake_relay)


def frame_ancestors(settings: Settings) -> str:
    """Who may show the pages in a frame: nobody, except where WeChat is simulated, the chat simulator's
    web view (served beside the simulator, on the same host: any port of it)."""
    if settings.wechat_oauth_base == OFFICIAL_OAUTH_BASE:
        return "'none'"
    parts = urlsplit(settings.wechat_oauth_base)
    return f"{parts.scheme}://{parts.hostname}:*"


def create_ops_app(platform: Platform) -> ASGIApp:
    """The operations listener: liveness, readiness and Prometheus metrics."""
    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return SecurityHeaders(Starlette(routes=[Route("/healthz", healthz), Route("/readyz", readyz_endpoint(platform)),
                                             Route("/metrics", metrics_endpoint(platform))]), [], MACHINE)


class ByListener:
    """One server with two sockets: a request that arrived on the operations port goes to the
    operations app, every other one (and the server's lifespan) to the public app."""

    def __init__(self, public: ASGIApp, ops: ASGIApp, ops_port: int) -> None:
        self.public, self.ops, self.ops_port = public, ops, ops_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or (None, None)
        app = self.ops if scope["type"] != "lifespan" and server[1] == self.ops_port else self.public
        await app(scope, receive, send)


def create() -> ASGIApp:
    """Uvicorn's factory (`onecard web`): one platform per server process, served on both listeners."""
    settings = Settings()
    logs.configure(settings.log_level)
    platform = build(settings)
    return ByListener(create_web_app(platform), create_ops_app(platform), platform.settings.ops_port)
