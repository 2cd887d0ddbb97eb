"""The web process: the WeChat callback ingress, the back-office under /admin, the pages under /m."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from adapters.wechat.oauth import HttpOAuthCodes
from backoffice.app import create_backoffice
from ingress.app import Ingress, IngressConfig, create_app
from ingress.wechatpay_notify import NotifyConfig, PayNotify
from onecard.bootstrap import Platform, build, platform_keys
from onecard.observability import logs
from onecard.observability.health import readyz_endpoint
from onecard.observability.metrics import RequestMetrics, metrics_endpoint
from onecard.settings import OFFICIAL_OAUTH_BASE, Settings
from pages.app import create_pages
from pages.topup import TopupDeps
from pages.web import PagesConfig, PagesDeps
from webassets import mount as assets_mount


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
    ingress = Ingress(ingress_config(platform.settings), platform.engine, platform.enqueue_events)
    return RequestMetrics(create_app(ingress, [*operations_routes(platform), *wechatpay_routes(platform),
                                               assets_mount(), Mount("/admin", app=create_backoffice(platform)),
                                               Mount("/m", app=create_pages(pages_deps(platform)))]))


def wechatpay_routes(platform: Platform) -> list[BaseRoute]:
    """`POST /wechatpay/notify`, where WeChat Pay's settings are given."""
    s = platform.settings
    if not s.wechatpay_enabled or s.wechatpay_mchid is None or s.wechatpay_apiv3_key is None:
        return []
    config = NotifyConfig(s.wechatpay_mchid, s.wechatpay_apiv3_key.get_secret_value(), platform_keys(s),
                          s.max_body_bytes)
    return [Route("/wechatpay/notify", PayNotify(config, platform.engine, platform.wake_relay).endpoint,
                  methods=["POST"])]


def pages_deps(platform: Platform) -> PagesDeps:
    """The pages inside WeChat read through the platform's own card system and database."""
    s = platform.settings
    config = PagesConfig(appid=s.wechat_appid, secret_key=s.secret_key.get_secret_value(),
                         oauth_base=s.wechat_oauth_base, public_url=s.resolved_public_url,
                         session_seconds=s.page_session_seconds,
                         frame_ancestors=frame_ancestors(s))
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


def operations_routes(platform: Platform) -> list[BaseRoute]:
    """Readiness and Prometheus metrics, beside the ingress's `/healthz`."""
    return [Route("/readyz", readyz_endpoint(platform)), Route("/metrics", metrics_endpoint(platform))]


def create() -> ASGIApp:
    """Uvicorn's factory (`onecard web`): one platform per server process."""
    logs.configure()
    return create_web_app(build())
