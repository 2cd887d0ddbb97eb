"""The ingress hands a group commit's events to the broker at once; each must arrive as one message
its worker can run, on whichever broker the suite runs against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker

from events.broker import enqueue_events, make_broker
from events.topics import Topic, event_actor_name
from tests.backends import private_broker


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[dramatiq.Broker]:
    with private_broker(tmp_path) as (url, namespace, _keep):
        broker = make_broker(url, namespace=namespace)
        try:
            yield broker
        finally:
            for topic in Topic:
                broker.flush(topic.value)
            broker.close()


def drain(broker: dramatiq.Broker, queue: str, expected: int) -> list[dramatiq.Message]:
    consumer = broker.consume(queue, prefetch=expected + 5, timeout=500)
    got: list[dramatiq.Message] = []
    try:
        for _ in range(expected * 4 + 8):
            message = next(consumer)
            if message is None:
                if len(got) >= expected:
                    break
                continue
            got.append(message)
            consumer.ack(message)
    finally:
        consumer.close()
    return got


def test_a_batch_arrives_as_one_message_per_event_on_its_topic(broker: dramatiq.Broker) -> None:
    items = [(Topic.QUERY.value, 11), (Topic.BIND.value, 12), (Topic.QUERY.value, 13)]

    enqueue_events(broker, items)

    query = drain(broker, Topic.QUERY.value, 2)
    bind = drain(broker, Topic.BIND.value, 1)
    assert sorted(m.args[0] for m in query) == [11, 13]
    assert [m.args[0] for m in bind] == [12]
    assert {m.actor_name for m in query} == {event_actor_name(Topic.QUERY)}


def test_a_redis_that_lost_its_scripts_still_takes_the_batch(broker: dramatiq.Broker) -> None:
    if not isinstance(broker, RedisBroker):
        pytest.skip("scripts are Redis's; RabbitMQ publishes one by one")
    broker.client.script_flush()

    enqueue_events(broker, [(Topic.GENERAL.value, 21), (Topic.GENERAL.value, 22)])

    assert sorted(m.args[0] for m in drain(broker, Topic.GENERAL.value, 2)) == [21, 22]
