"""What the broker holds, per topic: ready, delayed and dead-lettered messages, and the workers alive.

Queue depths come from `events.broker_stats`. For the rest dramatiq has no public API, so this reads
its documented layout: on Redis, the dead-letter sorted set `ns:queue.XQ` (+ `.msgs` hash) and the
heartbeat set `ns:__heartbeats__`; on RabbitMQ, the `queue.XQ` queue.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dramatiq
import pika.exceptions
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import xq_name

from events.broker_stats import QueueDepth, queue_depth
from events.topics import Topic


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    message_id: str
    actor: str
    args: str
    failed_at: float | None


def depths(broker: dramatiq.Broker) -> list[QueueDepth]:
    """Every topic's queue depth; none on a broker we cannot count."""
    if not isinstance(broker, RedisBroker | RabbitmqBroker):
        return []
    return [queue_depth(broker, t.value) for t in Topic]


@contextmanager
def _fresh_channel_on_error(broker: RabbitmqBroker) -> Iterator[None]:
    """A refused passive declaration closes this thread's channel: drop it so the next call opens another."""
    try:
        yield
    except pika.exceptions.AMQPError:
        del broker.channel
        raise


def workers_alive(broker: dramatiq.Broker) -> int | None:
    """Processes alive on the broker: RabbitMQ, consumers of the busiest queue; Redis, fresh heartbeats.

    On Redis every broker call beats the heart, so a scheduler that enqueued within the last minute is
    counted too; this process itself is left out.
    """
    if isinstance(broker, RedisBroker):
        now_ms = int(time.time() * 1000)
        key = f"{broker.namespace}:__heartbeats__"
        alive = broker.client.zrangebyscore(key, now_ms - broker.heartbeat_timeout, "+inf")
        return len({_str(member) for member in alive} - {broker.broker_id})
    if isinstance(broker, RabbitmqBroker):
        return max((d.consumers or 0 for d in depths(broker)), default=0)
    return None


def dead_letters(broker: dramatiq.Broker, limit: int = 50) -> list[DeadLetter]:
    """The dead-lettered messages we can list without taking them (Redis); RabbitMQ shows counts only."""
    if not isinstance(broker, RedisBroker):
        return []
    out: list[DeadLetter] = []
    for t in Topic:
        key = f"{broker.namespace}:{xq_name(t.value)}"
        for message_id, score in broker.client.zrevrange(key, 0, limit - 1, withscores=True):
            data = broker.client.hget(f"{key}.msgs", message_id)
            if data is None:
                continue
            message = dramatiq.Message.decode(data)
            out.append(DeadLetter(t.value, _str(message_id), message.actor_name, repr(message.args)[:80],
                                  score / 1000))
    return out


def retry_dead(broker: dramatiq.Broker, topic: str, message_id: str | None = None) -> int:
    """Put dead-lettered messages of `topic` (one, or all) back on their queue; how many."""
    Topic(topic)
    if isinstance(broker, RedisBroker):
        key = f"{broker.namespace}:{xq_name(topic)}"
        ids = [message_id] if message_id else [_str(m) for m in broker.client.zrange(key, 0, -1)]
        count = 0
        for mid in ids:
            data = broker.client.hget(f"{key}.msgs", mid)
            if data is None:
                continue
            broker.enqueue(_fresh(dramatiq.Message.decode(data)))
            broker.client.zrem(key, mid)
            broker.client.hdel(f"{key}.msgs", mid)
            count += 1
        return count
    if isinstance(broker, RabbitmqBroker):
        with _fresh_channel_on_error(broker):
            # Only those there now: a message that fails again at once must not keep this loop going.
            waiting = broker.channel.queue_declare(queue=xq_name(topic), passive=True).method.message_count
            count = 0
            for _ in range(waiting):
                method, _props, body = broker.channel.basic_get(queue=xq_name(topic), auto_ack=False)
                if method is None:
                    break
                broker.enqueue(_fresh(dramatiq.Message.decode(body)))
                broker.channel.basic_ack(method.delivery_tag)
                count += 1
            return count
    return 0


def _fresh(message: dramatiq.Message) -> dramatiq.Message:
    """The same message with its retry count cleared, so it gets the actor's full retries again."""
    dropped = ("retries", "traceback", "eta", "redis_message_id")
    options = {k: v for k, v in message.options.items() if k not in dropped}
    return message.copy(queue_name=message.queue_name.removesuffix(".XQ").removesuffix(".DQ"), options=options)


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
