"""Broker set-up: one function turns a URL into a dramatiq broker with every topic declared.

It must run before any actor module is imported (actors bind to the global broker when they are
decorated); `onecard.bootstrap` calls it once per process.
"""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.common import current_millis
from dramatiq.middleware import CurrentMessage

from events.redis_broker import WakingRedisBroker, enqueue_many
from events.topics import GROUPED_TOPICS, Topic, event_actor_name


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


#: The most ids one message carries: a group commit's worth, and a turn group a worker can hold.
MAX_IDS_PER_MESSAGE = 64


def event_message(topic: Topic | str, event_ids: Sequence[int]) -> dramatiq.Message:
    """The message that hands inbox events to their topic's pool, without importing the worker code."""
    return dramatiq.Message(queue_name=Topic(topic).value, actor_name=event_actor_name(topic),
                            args=(list(event_ids),), kwargs={}, options={})


def enqueue_events(broker: dramatiq.Broker, items: Sequence[tuple[str, int]]) -> None:
    """Enqueue several inbox events at once: the ingress's group commit hands them over together.

    A grouped topic's events travel as one message (its worker runs their turns together), so a
    busy ingress costs the broker and that pool a fraction of a message per event; other topics get
    one message per event, for their threads to run side by side. An exception means some may not
    have been sent: the sweeper re-enqueues what stays unprocessed, and the workers act once per
    event.
    """
    by_topic: dict[Topic, list[int]] = {}
    for topic, event_id in items:
        by_topic.setdefault(Topic(topic), []).append(event_id)
    enqueue_messages(broker, [
        event_message(topic, chunk) for topic, ids in by_topic.items()
        for chunk in (_chunks(ids) if topic in GROUPED_TOPICS else [[event_id] for event_id in ids])
    ])


#: Outbound messages are delivered by channel: WeChat replies by the reply pool, SMS by notify.
DELIVERY_ACTORS: dict[str, tuple[Topic, str]] = {
    "wechat": (Topic.REPLY, "send_reply"),
    "sms": (Topic.NOTIFY, "send_sms"),
    "template": (Topic.REPLY, "send_reply"),
}


def enqueue_deliveries(broker: dramatiq.Broker, items: Sequence[tuple[int, str]]) -> None:
    """Hand outbound messages (id, channel) to their senders: one broker message per sender actor."""
    by_actor: dict[tuple[Topic, str], list[int]] = {}
    for outbound_id, channel in items:
        by_actor.setdefault(DELIVERY_ACTORS[channel], []).append(outbound_id)
    enqueue_messages(broker, [
        dramatiq.Message(queue_name=topic.value, actor_name=actor_name, args=(chunk,), kwargs={}, options={})
        for (topic, actor_name), ids in by_actor.items() for chunk in _chunks(ids)
    ])


def enqueue_deliveries_at(broker: dramatiq.Broker, items: Sequence[tuple[int, str]], at_ms: int) -> None:
    """Hand outbound messages (id, channel) to their senders at `at_ms` (epoch milliseconds), one
    delayed broker message per sender actor: spending batches that collect the swipes of the coming
    minute go out when that minute is over, those ending together in one message."""
    by_actor: dict[tuple[Topic, str], list[int]] = {}
    for outbound_id, channel in items:
        by_actor.setdefault(DELIVERY_ACTORS[channel], []).append(outbound_id)
    delay = max(0, at_ms - current_millis())
    for (topic, actor_name), ids in by_actor.items():
        for chunk in _chunks(ids):
            broker.enqueue(dramatiq.Message(queue_name=topic.value, actor_name=actor_name, args=(chunk,), kwargs={},
                                            options={}), delay=delay)


def enqueue_messages(broker: dramatiq.Broker, messages: list[dramatiq.Message]) -> None:
    """Enqueue messages; on Redis all of them in one round trip (`events.redis_broker`).

    On RabbitMQ each publish waits for its confirm, as `broker.enqueue` does.
    """
    if isinstance(broker, WakingRedisBroker):
        enqueue_many(broker, messages)
        return
    for message in messages:
        broker.enqueue(message)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + MAX_IDS_PER_MESSAGE] for i in range(0, len(ids), MAX_IDS_PER_MESSAGE)]
