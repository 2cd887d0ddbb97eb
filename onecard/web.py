"""The web process: the WeChat callback ingress and the back-office under /admin."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from backoffice.app import create_backoffice
from ingress.app import Ingress, IngressConfig, create_app
from ingress.card_events import CardEvents
from onecard.bootstrap import Platform, build
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
    s = platform.settings
    card_events = CardEvents(s.card_events_secret.get_secret_value(), ingress.writer,
                             max_body_bytes=s.max_body_bytes)
    return RequestMetrics(create_app(ingress, [*operations_routes(platform), assets_mount(),
                                               Route("/cardsystem/events", card_events.endpoint, methods=["POST"]),
                                               Mount("/admin", app=create_backoffice(platform))]))


def operations_routes(platform: Platform) -> list[BaseRoute]:
    """Readiness and Prometheus metrics, beside the ingress's `/healthz`."""
    return [Route("/readyz", readyz_endpoint(platform)), Route("/metrics", metrics_endpoint(platform))]


def create() -> ASGIApp:
    """Uvicorn's factory (`onecard web`): one platform per server process."""
    logs.configure()
    return create_web_app(build())
