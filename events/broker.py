"""Broker set-up: one function turns a URL into a dramatiq broker with every topic declared.

It must run before any actor module is imported (actors bind to the global broker when they are
decorated); `onecard.bootstrap` calls it once per process.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage

from events.topics import Topic, event_actor_name


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
        broker = RedisBroker(url=url, namespace=namespace, heartbeat_timeout=heartbeat_timeout_ms,
                             maintenance_chance=maintenance_chance)
    elif url.startswith(("amqp://", "amqps://")):
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    else:
        raise ValueError(f"unsupported broker URL scheme: {url.split(':', 1)[0]!r}")
    broker.add_middleware(CurrentMessage())
    for topic in Topic:
        broker.declare_queue(topic.value)
    return broker


def enqueue_event(broker: dramatiq.Broker, topic: Topic | str, event_id: int) -> None:
    """Hand an inbox event to its topic's worker pool without importing the worker code."""
    message: dramatiq.Message = dramatiq.Message(
        queue_name=Topic(topic).value,
        actor_name=event_actor_name(topic),
        args=(event_id,),
        kwargs={},
        options={},
    )
    broker.enqueue(message)


#: Outbound messages are delivered by channel: WeChat replies by the reply pool, SMS by notify.
DELIVERY_ACTORS: dict[str, tuple[Topic, str]] = {
    "wechat": (Topic.REPLY, "send_reply"),
    "sms": (Topic.NOTIFY, "send_sms"),
    "template": (Topic.REPLY, "send_reply"),
}


def enqueue_delivery(broker: dramatiq.Broker, outbound_id: int, channel: str) -> None:
    topic, actor_name = DELIVERY_ACTORS[channel]
    broker.enqueue(
        dramatiq.Message(queue_name=topic.value, actor_name=actor_name, args=(outbound_id,), kwargs={}, options={})
    )
