"""The web process's Prometheus metrics (`/metrics`) and the worker pools' exposition server.

Kept off the hot path: a request costs one counter increment and, for callbacks, one histogram
observation. Queue depths and backlogs are read from the broker and the database only when
Prometheus scrapes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.broker.stats import queue_depth
from events.topics import Topic
from onecard.bootstrap import Platform
from onecard.observability.pool_metrics import process_registry
from store.tables import InboxEvent, OutboundMessage

log = logging.getLogger("onecard.observability.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter("onecard_http_requests_total", "HTTP requests to the web process", ["route", "status"])
ACK_SECONDS = Histogram("onecard_callback_ack_seconds", "Time from a WeChat callback's arrival to our answer",
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
KNOWN_ROUTES = frozenset({"/wechat", "/healthz", "/readyz", "/metrics"})


def _route(path: str, status: int) -> str:
    """A label of bounded cardinality: known paths, else the first segment of a path that exists."""
    if path in KNOWN_ROUTES:
        return path
    if status == 404:
        return "unmatched"
    return "/" + path.lstrip("/").split("/", 1)[0]


class RequestMetrics:
    """ASGI middleware: counts requests by route and status, times the WeChat callback's ack."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            path = scope["path"]
            REQUESTS.labels(_route(path, status), str(status)).inc()
            if path == "/wechat" and scope["method"] == "POST":
                ACK_SECONDS.observe(time.perf_counter() - started)


class BacklogCollector(Collector):
    """Read at scrape time: broker queue depth per topic, unprocessed inbox events, pending outbound."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("onecard_queue_depth", "Messages in the broker per topic", labels=["topic", "state"])
        try:
            for topic in Topic:
                queue = queue_depth(self.platform.broker, topic.value)
                for state, count in (("ready", queue.ready), ("delayed", queue.delayed), ("dead", queue.dead)):
                    depth.add_metric([topic.value, state], count)
            yield depth
        except Exception:
            log.warning("queue depth unavailable", exc_info=True)
        inbox = GaugeMetricFamily("onecard_inbox_unprocessed", "Stored callbacks not yet processed", labels=["topic"])
        outbox = GaugeMetricFamily("onecard_outbound_backlog", "Replies and SMS recorded but not sent",
                                   labels=["channel", "status"])
        try:
            with self.platform.engine.connect() as conn:
                inbox_rows = conn.execute(
                    select(InboxEvent.topic, func.count()).where(InboxEvent.status == "received")
                    .group_by(InboxEvent.topic)).all()
                outbox_rows = conn.execute(
                    select(OutboundMessage.channel, OutboundMessage.status, func.count())
                    .where(OutboundMessage.status.in_(("pending", "sending")))
                    .group_by(OutboundMessage.channel, OutboundMessage.status)).all()
        except Exception:
            log.warning("backlog unavailable", exc_info=True)
            return
        for topic in Topic:
            inbox.add_metric([topic.value], dict(inbox_rows).get(topic.value, 0))
        counts = {(channel, status): n for channel, status, n in outbox_rows}
        for channel in ("wechat", "sms"):
            for status in ("pending", "sending"):
                outbox.add_metric([channel, status], counts.get((channel, status), 0))
        yield inbox
        yield outbox


def metrics_endpoint(platform: Platform) -> Any:
    backlog = CollectorRegistry(auto_describe=False)
    backlog.register(BacklogCollector(platform))

    def render() -> bytes:
        return generate_latest(process_registry()) + generate_latest(backlog)

    async def metrics(_request: Request) -> Response:
        return Response(await run_in_threadpool(render), media_type=CONTENT_TYPE)

    return metrics
