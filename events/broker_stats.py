"""What an operator asks of the broker: is it up, and how many messages wait in each topic.

Redis and RabbitMQ keep queues differently (dramatiq's key layout vs. AMQP queues); this module is
the one place that knows both, so `/readyz` and `/metrics` stay broker-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name, xq_name


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
        client, ns = broker.client, broker.namespace
        with client.pipeline(transaction=False) as pipe:
            pipe.llen(f"{ns}:{queue}")
            pipe.llen(f"{ns}:{dq_name(queue)}")
            pipe.zcard(f"{ns}:{xq_name(queue)}")
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
