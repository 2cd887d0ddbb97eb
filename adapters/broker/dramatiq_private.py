"""Every place onecard leans on dramatiq's private parts, as read from dramatiq `READ_FROM`.

dramatiq has no public API for what `adapters.broker` needs of its Redis broker: a consumer to
extend (`_RedisConsumer`), the dispatch script and its argument order (`dispatch.lua`,
`RedisBroker._dispatch`), two of the values `_dispatch` computes per call, the option that carries a
message's Redis id, and the key layout of queues, delay queues, dead letters and heartbeats. Each
is named here once. `tests/unit/test_dependency_private_parts.py` fails, saying which, when the
installed dramatiq is another release or one of these changed shape.

To upgrade dramatiq: read the new release's `dramatiq/brokers/redis.py`, `brokers/redis/dispatch.lua`
and `common.py`, adjust this module (and `redis_waking._WakingConsumer`, which extends the
consumer), then set `READ_FROM`.
"""

from __future__ import annotations

from typing import Any

from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.redis import _RedisConsumer as RedisConsumer
from dramatiq.common import current_millis, dq_name, q_name, xq_name

#: The dramatiq release everything below was read from.
READ_FROM = "2.2.1"

#: The dispatch script's arguments before the command's own, in `dispatch.lua`'s order.
DISPATCH_ARGS = ("command", "timestamp", "queue_name", "worker_id", "heartbeat_timeout", "dead_message_ttl",
                 "do_maintenance", "max_unpack_size")

#: The option `RedisBroker.enqueue` stores a message's id under (its key in the queue's hash).
REDIS_MESSAGE_ID = "redis_message_id"

__all__ = [
    "DISPATCH_ARGS", "READ_FROM", "REDIS_MESSAGE_ID", "RedisConsumer", "dead_letter_key", "dead_letter_messages_key",
    "dead_letter_queue", "delay_queue_key", "dispatch_argv", "dispatch_script", "heartbeats_key", "queue_key",
    "topic_of",
]


def dispatch_script(broker: RedisBroker) -> Any:
    """The registered `dispatch.lua` (a redis-py `Script`: `.sha`, `.script`)."""
    return broker.scripts["dispatch"]


def dispatch_argv(broker: RedisBroker, command: str, queue_name: str, *args: Any) -> tuple[Any, ...]:
    """The dispatch script's ARGV for `command` on `queue_name`, as `RedisBroker._dispatch` builds it.

    Whether this call runs the queue maintenance (`maintenance_chance` per million) and how many
    values the script may unpack at once (half of Lua's stack) only dramatiq's private members know;
    `_dispatch` computes both for every call.
    """
    return (command, current_millis(), queue_name, broker.broker_id, broker.heartbeat_timeout,
            broker.dead_message_ttl, broker._should_do_maintenance(command), broker._max_unpack_size(), *args)


def topic_of(queue_name: str) -> str:
    """The queue's own name without a delay (`.DQ`) or dead-letter (`.XQ`) suffix."""
    return q_name(queue_name)


def dead_letter_queue(queue: str) -> str:
    """The queue (RabbitMQ) or key suffix (Redis) that holds `queue`'s dead letters: `queue.XQ`."""
    return xq_name(queue)


def queue_key(broker: RedisBroker, queue: str) -> str:
    """The list of message ids waiting on `queue`."""
    return f"{broker.namespace}:{queue}"


def delay_queue_key(broker: RedisBroker, queue: str) -> str:
    """The list of `queue`'s messages whose eta is yet to come (retries, messages sent for later)."""
    return f"{broker.namespace}:{dq_name(queue)}"


def dead_letter_key(broker: RedisBroker, queue: str) -> str:
    """The sorted set of `queue`'s dead-lettered message ids, scored by when (epoch ms)."""
    return f"{broker.namespace}:{dead_letter_queue(queue)}"


def dead_letter_messages_key(broker: RedisBroker, queue: str) -> str:
    """The hash of `queue`'s dead-lettered messages by id."""
    return f"{dead_letter_key(broker, queue)}.msgs"


def heartbeats_key(broker: RedisBroker) -> str:
    """The sorted set of broker ids, scored by their last heartbeat (epoch ms)."""
    return f"{broker.namespace}:__heartbeats__"
