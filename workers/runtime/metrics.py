"""Worker-side Prometheus metrics: messages processed and failed per topic, and reply outcomes.

Counted in each worker process; with `PROMETHEUS_MULTIPROC_DIR` set (`onecard worker` sets it)
every process of a pool writes to that folder and one exposition process serves the sum
(`onecard.observability.pool_metrics`).

Why not dramatiq's `dramatiq.middleware.prometheus.Prometheus`: its names and labels
(`dramatiq_messages_total{queue_name,actor_name}`, counting failures as processed, `.DQ`/`.XQ` as
queues of their own) are not the ones operators alert on (README "Health and metrics"); it reads
its folder and port from the environment once at import, so pools on one machine share
`/tmp/dramatiq-prometheus` and port 9191 unless each is started with its own; and it has no place
for what became of a reply.
"""

from __future__ import annotations

import time
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage, Middleware
from prometheus_client import Counter, Histogram

from adapters.broker.dramatiq_private import topic_of

PROCESSED = Counter("onecard_messages_processed_total", "Broker messages handled without error", ["topic"])
FAILED = Counter("onecard_messages_failed_total", "Broker messages whose actor raised (retried or dead-lettered)",
                 ["topic"])
DURATION = Histogram("onecard_message_seconds", "Time an actor spent on one message", ["topic"],
                     buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
REPLIES = Counter("onecard_replies_total", "Outbound messages by what became of a delivery attempt",
                  ["topic", "outcome"])

_STARTED = "_onecard_started"


class WorkerMetrics(Middleware):
    """Counts every message a worker finishes, by its topic (the queue, without .DQ/.XQ)."""

    def __init__(self, forks: list[Any] | None = None) -> None:
        self._forks = forks or []

    @property
    def forks(self) -> list[Any]:
        """dramatiq starts these beside the worker processes: the pool's exposition server."""
        return self._forks

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        setattr(message, _STARTED, time.perf_counter())

    def after_process_message(self, broker: dramatiq.Broker, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        topic = topic_of(message.queue_name)
        started = getattr(message, _STARTED, None)
        if started is not None:
            DURATION.labels(topic).observe(time.perf_counter() - started)
        (FAILED if exception is not None else PROCESSED).labels(topic).inc()


def record_delivery(outcome: str) -> None:
    """Count what became of a reply `reply.deliver` handled (sent, undeliverable, failed, expired, pending,
    not_claimed)."""
    message = CurrentMessage.get_current_message()
    topic = topic_of(message.queue_name) if message else "unknown"
    REPLIES.labels(topic, outcome).inc()
