"""dramatiq's Redis broker, with consumers that an enqueue wakes instead of consumers that poll.

dramatiq's Redis consumer asks for messages (a Lua script that also writes its heartbeat), and when
the queue is empty sleeps 5, 10, 20 … ms up to the worker timeout and asks again. At a hundred
messages a second most of those calls find nothing: py-spy put a third of the query pool's CPU and
a fifth of the reply pool's in them. Here every enqueue also pushes a token on the queue's wake
list in the same round trip, and a consumer that found its queue empty blocks on that list
(`BLPOP`) instead of sleeping: it asks again the moment a message arrives and, idle, once every
`IDLE_WAIT_S`. Messages, acks, heartbeats and the recovery of a dead worker's messages are
dramatiq's own, unchanged; a lost token costs at most `IDLE_WAIT_S` of latency, never a message.
Delay queues (`*.DQ`) keep dramatiq's polling: their consumers must also wake when an eta passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import current_millis
from dramatiq.errors import ConnectionClosed
from redis.exceptions import NoScriptError

#: The longest an idle consumer waits before it asks its queue again without being woken: what
#: delays a message that came back without a token (a dead worker's, put back by maintenance).
IDLE_WAIT_S = 1.0
#: Tokens a wake list keeps: one is enough to wake a consumer; more only make busy ones ask again.
WAKE_TOKENS_KEPT = 2


class WakingRedisBroker(RedisBroker):
    """A `RedisBroker` whose enqueues wake the queue's idle consumers (see the module's docstring)."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return _WakingConsumer

    def wake_key(self, queue_name: str) -> str:
        return f"{self.namespace}:{queue_name}.wake"

    def do_enqueue(self, queue_name: str, message_id: str, data: bytes) -> None:
        """`RedisBroker.enqueue` calls this for one message; the token goes in the same round trip."""
        self.dispatch_enqueues([(queue_name, message_id, data)])

    def dispatch_enqueues(self, items: Sequence[tuple[str, str, bytes]]) -> None:
        """Run dramatiq's dispatch script for each (queue, redis message id, encoded message), then
        wake each queue's consumers: all in one round trip.

        EVALSHA straight into the pipeline (a redis-py Script bound to a pipeline asks SCRIPT EXISTS
        first, a second round trip every time). A Redis that lost its scripts (restarted) answers
        NOSCRIPT to all of them: load it and send those again.
        """
        script = self.scripts["dispatch"]
        pending = list(items)
        for _attempt in range(2):
            pipeline = self.client.pipeline(transaction=False)
            for queue_name, message_id, data in pending:
                pipeline.evalsha(script.sha, 1, self.namespace, "enqueue", current_millis(), queue_name,
                                 self.broker_id, self.heartbeat_timeout, self.dead_message_ttl,
                                 *self._private_dispatch_args(), message_id, data)
            for queue_name in dict.fromkeys(queue for queue, _id, _data in pending):
                if not queue_name.endswith(".DQ"):
                    pipeline.lpush(self.wake_key(queue_name), 1)
                    pipeline.ltrim(self.wake_key(queue_name), 0, WAKE_TOKENS_KEPT - 1)
            results = pipeline.execute(raise_on_error=False)
            outcomes = results[:len(pending)]
            failed = next((r for r in results if isinstance(r, Exception) and not isinstance(r, NoScriptError)), None)
            if failed is not None:
                raise failed
            missing = [item for item, r in zip(pending, outcomes, strict=True) if isinstance(r, NoScriptError)]
            if not missing:
                return
            self.client.script_load(script.script)
            pending = missing
        raise NoScriptError("dramatiq's dispatch script could not be loaded")

    def _private_dispatch_args(self) -> tuple[int, int]:
        """The two arguments of the dispatch script that only dramatiq's private members know.

        Whether this call runs the queue maintenance (`maintenance_chance` per million) and how many
        values the script may unpack at once (half of Lua's stack): `RedisBroker._dispatch` computes
        both for every call and has no public API for them. Every private call is in here and in
        `_WakingConsumer`, so a dramatiq upgrade that renames them breaks this module (and
        tests/integration/test_batch_enqueue.py, tests/integration/test_redis_wake.py).
        """
        return self._should_do_maintenance("enqueue"), self._max_unpack_size()


class _WakingConsumer(_RedisConsumer):
    """dramatiq's consumer, but an empty queue is waited on (`BLPOP` on its wake list), not polled."""

    def __init__(self, broker: WakingRedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self.wake_key = None if queue_name.endswith(".DQ") else broker.wake_key(queue_name)
        #: The last fetch took fewer messages than it asked for: the queue was empty then, so
        #: whatever came since brought a token, and asking again before one comes finds nothing.
        self.drained = False

    def __next__(self) -> Any:
        if self.wake_key is None or self.message_cache or self.outstanding_message_count >= self.prefetch:
            return super().__next__()  # a message at hand, a full prefetch (a short sleep) or a delay queue
        try:
            if self.drained:
                self.broker.client.blpop([self.wake_key], timeout=IDLE_WAIT_S)
            wanted = self.prefetch - self.outstanding_message_count
            self.message_cache = self.broker.do_fetch(self.queue_name, wanted)
            self.drained = len(self.message_cache) < wanted
            self.misses = 0
            # None: the worker's consumer thread looks at its delayed messages and comes back.
            return super().__next__() if self.message_cache else None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None


def enqueue_many(broker: WakingRedisBroker, messages: list[dramatiq.Message]) -> None:
    """Enqueue messages in one round trip, middleware hooks included, as `RedisBroker.enqueue` does
    for one (dramatiq has no batch enqueue)."""
    messages = [message.copy(options={"redis_message_id": str(uuid4())}) for message in messages]
    for message in messages:
        broker.emit_before("enqueue", message, None)
    broker.dispatch_enqueues([(m.queue_name, m.options["redis_message_id"], m.encode()) for m in messages])
    for message in messages:
        broker.emit_after("enqueue", message, None)
