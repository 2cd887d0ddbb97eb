"""The messages the broker gave up on: listed for the back-office, and put back on their queue.

dramatiq has no public API for either, so this reads its layout (`adapters.broker.dramatiq_private`):
on Redis, the dead-letter sorted set `ns:queue.XQ` and its `.msgs` hash; on RabbitMQ, the `queue.XQ`
queue, whose messages can be counted and taken but not listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dramatiq
import pika.exceptions
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

from adapters.broker.dramatiq_private import (
    REDIS_MESSAGE_ID,
    dead_letter_key,
    dead_letter_messages_key,
    dead_letter_queue,
    topic_of,
)
from events.topics import Topic


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    message_id: str
    actor: str
    args: str
    failed_at: float | None


def dead_letters(broker: dramatiq.Broker, limit: int = 50) -> list[DeadLetter]:
    """The dead-lettered messages we can list without taking them (Redis); RabbitMQ shows counts only."""
    if not isinstance(broker, RedisBroker):
        return []
    out: list[DeadLetter] = []
    for t in Topic:
        key, messages_key = dead_letter_key(broker, t.value), dead_letter_messages_key(broker, t.value)
        for message_id, score in broker.client.zrevrange(key, 0, limit - 1, withscores=True):
            data = broker.client.hget(messages_key, message_id)
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
        key, messages_key = dead_letter_key(broker, topic), dead_letter_messages_key(broker, topic)
        ids = [message_id] if message_id else [_str(m) for m in broker.client.zrange(key, 0, -1)]
        count = 0
        for mid in ids:
            data = broker.client.hget(messages_key, mid)
            if data is None:
                continue
            broker.enqueue(_fresh(dramatiq.Message.decode(data)))
            broker.client.zrem(key, mid)
            broker.client.hdel(messages_key, mid)
            count += 1
        return count
    if isinstance(broker, RabbitmqBroker):
        with _fresh_channel_on_error(broker):
            # Only those there now: a message that fails again at once must not keep this loop going.
            queue = dead_letter_queue(topic)
            waiting = broker.channel.queue_declare(queue=queue, passive=True).method.message_count
            count = 0
            for _ in range(waiting):
                method, _props, body = broker.channel.basic_get(queue=queue, auto_ack=False)
                if method is None:
                    break
                broker.enqueue(_fresh(dramatiq.Message.decode(body)))
                broker.channel.basic_ack(method.delivery_tag)
                count += 1
            return count
    return 0


@contextmanager
def _fresh_channel_on_error(broker: RabbitmqBroker) -> Iterator[None]:
    """A refused passive declaration closes this thread's channel: drop it so the next call opens another."""
    try:
        yield
    except pika.exceptions.AMQPError:
        del broker.channel
        raise


def _fresh(message: dramatiq.Message) -> dramatiq.Message:
    """The same message with its retry count cleared, so it gets the actor's full retries again."""
    dropped = ("retries", "traceback", "eta", REDIS_MESSAGE_ID)
    options = {k: v for k, v in message.options.items() if k not in dropped}
    return message.copy(queue_name=topic_of(message.queue_name), options=options)


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
