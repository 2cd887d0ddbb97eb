"""The ingress hands a group commit's events to the broker at once, and a group of turns its replies;
each must arrive as a message its worker can run, on whichever broker the suite runs against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker

from adapters.broker.enqueue import enqueue_deliveries, enqueue_events
from adapters.broker.setup import make_broker
from events.envelopes import MAX_IDS_PER_MESSAGE
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


def drain(broker: dramatiq.Broker, queue: str, expected: int) -> list[MessageProxy]:
    consumer = broker.consume(queue, prefetch=expected + 5, timeout=500)
    got: list[MessageProxy] = []
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


def test_a_batch_arrives_on_each_topic_grouped_only_where_the_topic_runs_groups(broker: dramatiq.Broker) -> None:
    items = [(Topic.BIND.value, 11), (Topic.GENERAL.value, 31), (Topic.QUERY.value, 12),
             (Topic.BIND.value, 13), (Topic.GENERAL.value, 32), (Topic.QUERY.value, 14)]

    enqueue_events(broker, items)

    bind = drain(broker, Topic.BIND.value, 2)
    query = drain(broker, Topic.QUERY.value, 1)
    general = drain(broker, Topic.GENERAL.value, 1)
    assert sorted(m.args[0] for m in bind) == [[11], [13]]  # turns that change the card office: one per thread
    assert [m.args[0] for m in query] == [[12, 14]]  # a group whose card reads go out side by side
    assert [m.args[0] for m in general] == [[31, 32]]  # one message, one group of turns
    assert {m.actor_name for m in bind} == {event_actor_name(Topic.BIND)}


def test_a_long_batch_is_split_into_messages_of_a_bounded_size(broker: dramatiq.Broker) -> None:
    ids = list(range(1, MAX_IDS_PER_MESSAGE * 2 + 2))

    enqueue_events(broker, [(Topic.GENERAL.value, i) for i in ids])

    messages = drain(broker, Topic.GENERAL.value, 3)
    assert sorted(len(m.args[0]) for m in messages) == [1, MAX_IDS_PER_MESSAGE, MAX_IDS_PER_MESSAGE]
    assert sorted(i for m in messages for i in m.args[0]) == ids


def test_replies_of_several_turns_go_to_their_senders_in_one_message_each(broker: dramatiq.Broker) -> None:
    enqueue_deliveries(broker, [(7, "wechat"), (8, "sms"), (9, "template"), (10, "wechat")])

    assert [m.args[0] for m in drain(broker, Topic.REPLY.value, 1)] == [[7, 9, 10]]
    assert [m.args[0] for m in drain(broker, Topic.NOTIFY.value, 1)] == [[8]]


def test_a_redis_that_lost_its_scripts_still_takes_the_batch(broker: dramatiq.Broker) -> None:
    if not isinstance(broker, RedisBroker):
        pytest.skip("scripts are Redis's; RabbitMQ publishes one by one")
    broker.client.script_flush()

    enqueue_events(broker, [(Topic.BIND.value, 21), (Topic.BIND.value, 22)])

    assert sorted(m.args[0] for m in drain(broker, Topic.BIND.value, 2)) == [[21], [22]]
