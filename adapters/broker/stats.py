"""What an operator asks of the broker: is it up, how many messages wait per topic, how many workers live.

Redis and RabbitMQ keep queues differently (dramatiq's key layout, `adapters.broker.dramatiq_private`,
vs. AMQP queues); this module is the one place that counts both, so `/readyz`, `/metrics` and the
back-office stay broker-neutral.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name, xq_name

from adapters.broker.dramatiq_private import dead_letter_key, delay_queue_key, heartbeats_key, queue_key
from events.topics import Topic


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Messages waiting (`ready`), waiting for a retry's backoff (`delayed`), and given up (`dead`)."""

    topic: str
    ready: int
    delayed: int
    dead: int
    #: RabbitMQ: consumers on the queue; Redis: None (workers are counted by heartbeat).
    consumers: int | None = None


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached right now."""
    if isinstance(broker, RedisBroker):
        broker.client.ping()
    elif isinstance(broker, RabbitmqBroker):
        import pika

        # A connection of its own: a probe must not disturb the threads' cached ones.
        params = broker.parameters[0] if isinstance(broker.parameters, list) else broker.parameters
        pika.BlockingConnection(params).close()
    else:
        raise TypeError(f"cannot probe {type(broker).__name__}")


def queue_depth(broker: dramatiq.Broker, queue: str) -> QueueDepth:
    """How many messages of `queue` wait, are delayed and are dead: for `/metrics` and the back-office.

    On RabbitMQ this declares the queue as a worker would (dramatiq's `get_queue_message_counts`),
    so asking about a queue no worker consumed yet is not an error.
    """
    if isinstance(broker, RedisBroker):
        with broker.client.pipeline(transaction=False) as pipe:
            pipe.llen(queue_key(broker, queue))
            pipe.llen(delay_queue_key(broker, queue))
            pipe.zcard(dead_letter_key(broker, queue))
            ready, delayed, dead = pipe.execute()
        return QueueDepth(queue, int(ready), int(delayed), int(dead))
    if isinstance(broker, RabbitmqBroker):
        # A thread's cached connection may have been closed by the server while idle (missed
        # heartbeats): drop it and try once more on a fresh one, as dramatiq's enqueue does.
        for attempt in (1, 2):
            try:
                ready, delayed, dead = broker.get_queue_message_counts(queue)
                consumers = broker.channel.queue_declare(queue=queue, passive=True).method.consumer_count
                return QueueDepth(queue, ready, delayed, dead, consumers)
            except Exception:
                del broker.connection
                if attempt == 2:
                    raise
    raise TypeError(f"cannot count the queues of {type(broker).__name__}")


def depths(broker: dramatiq.Broker) -> list[QueueDepth]:
    """Every topic's queue depth; none on a broker we cannot count."""
    if not isinstance(broker, RedisBroker | RabbitmqBroker):
        return []
    return [queue_depth(broker, t.value) for t in Topic]


def workers_alive(broker: dramatiq.Broker) -> int | None:
    """Processes alive on the broker: RabbitMQ, consumers of the busiest queue; Redis, fresh heartbeats.

    On Redis every broker call beats the heart, so a scheduler that enqueued within the last minute is
    counted too; this process itself is left out.
    """
    if isinstance(broker, RedisBroker):
        now_ms = int(time.time() * 1000)
        alive = broker.client.zrangebyscore(heartbeats_key(broker), now_ms - broker.heartbeat_timeout, "+inf")
        return len({_str(member) for member in alive} - {broker.broker_id})
    if isinstance(broker, RabbitmqBroker):
        return max((d.consumers or 0 for d in depths(broker)), default=0)
    return None


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def missing_queues(broker: dramatiq.Broker) -> list[str]:
    """The topics' queues (with their delay and dead-letter queues) the broker does not hold.

    RabbitMQ holds a queue once a worker or an enqueue declared it; it is asked passively, on a
    connection of its own, so asking creates nothing. Redis holds a queue as soon as a message is on
    it, so only a topic this broker never declared is missing there.
    """
    names = [name for t in Topic for name in (t.value, dq_name(t.value), xq_name(t.value))]
    if isinstance(broker, RabbitmqBroker):
        import pika
        from pika.exceptions import ChannelClosedByBroker

        params = broker.parameters[0] if isinstance(broker.parameters, list) else broker.parameters
        connection = pika.BlockingConnection(params)
        missing = []
        try:
            for name in names:
                channel = connection.channel()
                try:
                    channel.queue_declare(queue=name, passive=True)
                    channel.close()
                except ChannelClosedByBroker:  # 404: no such queue (and the channel is gone)
                    missing.append(name)
        finally:
            connection.close()
        return missing
    declared = broker.get_declared_queues()
    return [t.value for t in Topic if t.value not in declared]
