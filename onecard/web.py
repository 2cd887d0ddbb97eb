"""The web process: the WeChat callback ingress and the back-office under /admin."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from backoffice.app import create_backoffice
from ingress.app import Ingress, IngressConfig, create_app
from ingress.wechatpay_notify import NotifyConfig, PayNotify
from onecard.bootstrap import Platform, build, platform_keys
from onecard.observability import logs
from onecard.observability.health import readyz_endpoint
from onecard.observability.metrics import RequestMetrics, metrics_endpoint
from onecard.settings import Settings
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
                                               assets_mount(), Mount("/admin", app=create_backoffice(platform))]))


def wechatpay_routes(platform: Platform) -> list[BaseRoute]:
    """`POST /wechatpay/notify`, where WeChat Pay's settings are given."""
    s = platform.settings
    if not s.wechatpay_enabled or s.wechatpay_mchid is None or s.wechatpay_apiv3_key is None:
        return []
    config = NotifyConfig(s.wechatpay_mchid, s.wechatpay_apiv3_key.get_secret_value(), platform_keys(s),
                          s.max_body_bytes)
    return [Route("/wechatpay/notify", PayNotify(config, platform.engine, platform.wake_relay).endpoint,
                  methods=["POST"])]


def operations_routes(platform: Platform) -> list[BaseRoute]:
    """Readiness and Prometheus metrics, beside the ingress's `/healthz`."""
    return [Route("/readyz", readyz_endpoint(platform)), Route("/metrics", metrics_endpoint(platform))]


def create() -> ASGIApp:
    """Uvicorn's factory (`onecard web`): one platform per server process."""
    logs.configure()
    return create_web_app(build())
