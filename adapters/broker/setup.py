"""Broker set-up: one function turns a URL into a dramatiq broker with every topic declared.

It must run before any actor module is imported (actors bind to the global broker when they are
decorated); `onecard.bootstrap` calls it once per process.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import CurrentMessage

from adapters.broker.redis_waking import WakingRedisBroker
from events.topics import Topic


def make_broker(url: str, *, namespace: str = "onecard", heartbeat_timeout_ms: int = 60_000,
                maintenance_chance: int = 1_000) -> dramatiq.Broker:
    """A Redis (`redis://`, `rediss://`, `unix://`) or RabbitMQ (`amqp://`) broker.

    RabbitMQ publishes with confirms, so an enqueue that returned is on the broker's disk.
    The Redis namespace keeps deployments (and test runs) sharing one server apart. On Redis, the
    messages a dead worker held come back once a live worker's maintenance pass (run on
    `maintenance_chance` calls per million) sees no heartbeat from it for `heartbeat_timeout_ms`.
    """
    broker: dramatiq.Broker
    if url.startswith(("redis://", "rediss://", "unix://")):
        broker = WakingRedisBroker(url=url, namespace=namespace, heartbeat_timeout=heartbeat_timeout_ms,
                                   maintenance_chance=maintenance_chance)
    elif url.startswith(("amqp://", "amqps://")):
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    else:
        raise ValueError(f"unsupported broker URL scheme: {url.split(':', 1)[0]!r}")
    broker.add_middleware(CurrentMessage())
    for topic in Topic:
        broker.declare_queue(topic.value)
    return broker
