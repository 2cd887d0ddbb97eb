"""RabbitMQ keeps what it acknowledged: durable queues with dead-letter queues, persistent
messages, and publisher confirms that notice a publish that would have been dropped.

Only the postgres-rabbit configuration has a RabbitMQ broker; the broker-neutral guarantees
(recovery after a killed worker, dead letters) are in test_delivery_guarantees.py and run everywhere.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.broker.enqueue import enqueue_events
from adapters.broker.stats import queue_depth
from tests.backends import configured_broker_url
from tests.harness import Stack

pytestmark = pytest.mark.skipif(not (configured_broker_url() or "").startswith("amqp"),
                                reason="RabbitMQ-specific: runs in the postgres-rabbit configuration")


@pytest.fixture
def channel(ops: Stack) -> Iterator[Any]:
    """A raw AMQP channel on the ops stack's vhost, beside the platform's own connections."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(ops.settings.broker_url or ""))
    try:
        yield connection.channel()
    finally:
        connection.close()


def vhost_queues(stack: Stack) -> dict[str, dict[str, Any]]:
    ctl = shutil.which("rabbitmqctl")
    assert ctl, "rabbitmqctl is needed to inspect the vhost"
    out = subprocess.run([ctl, "list_queues", "-p", stack.settings.broker_namespace, "name", "durable",
                          "arguments", "--formatter", "json"], check=True, capture_output=True, text=True).stdout
    return {q["name"]: q for q in json.loads(out)}


def test_every_topic_queue_is_durable_and_dead_letters_into_a_durable_queue(ops: Stack) -> None:
    for topic in ("bind", "query", "topup", "general", "notify", "reply"):
        queue_depth(ops.platform.broker, topic)  # declares the topic's queues as a worker would
    queues = vhost_queues(ops)
    for topic in ("bind", "query", "topup", "general", "notify", "reply"):
        assert queues[topic]["durable"] is True
        arguments = {name: value for name, _type, value in queues[topic]["arguments"]}
        assert arguments.get("x-dead-letter-routing-key") == f"{topic}.XQ", arguments
        assert queues[f"{topic}.XQ"]["durable"] is True


def test_enqueued_messages_are_persistent(ops: Stack, channel: Any) -> None:
    before = queue_depth(ops.platform.broker, "topup").ready
    enqueue_events(ops.platform.broker, [("topup", 4242)])
    assert queue_depth(ops.platform.broker, "topup").ready == before + 1
    method, properties, body = None, None, b""
    for _ in range(before + 1):  # the newest is last
        method, properties, body = channel.basic_get("topup", auto_ack=False)
    assert method is not None and properties is not None and b"4242" in body
    assert properties.delivery_mode == 2  # persistent: survives a broker restart
    channel.basic_nack(method.delivery_tag, multiple=True, requeue=True)


def test_publisher_confirms_catch_a_queue_deleted_behind_the_platforms_back(ops: Stack, channel: Any) -> None:
    queue_depth(ops.platform.broker, "topup")
    channel.queue_delete("topup")  # an operator's mistake; without confirms the next publish is lost
    enqueue_events(ops.platform.broker, [("topup", 4343)])
    # The broker returned the unroutable publish; dramatiq declared the queue again and republished.
    assert queue_depth(ops.platform.broker, "topup").ready == 1
    method, _properties, body = channel.basic_get("topup", auto_ack=True)
    assert method is not None and b"4343" in body
