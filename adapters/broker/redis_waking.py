"""dramatiq's Redis broker, with consumers that an enqueue wakes instead of consumers that poll.

dramatiq's Redis consumer asks for messages (a Lua script that also writes its heartbeat), and when
the queue is empty sleeps 5, 10, 20 … ms up to the worker timeout and asks again. At a hundred
messages a second most of those calls find nothing: py-spy put a third of the query pool's CPU and
a fifth of the reply pool's in them. Here every enqueue also pushes a token on the queue's wake
list in the same round trip, and a consumer that found its queue empty blocks on that list
(`BLPOP`) instead of sleeping: it asks again the moment a message arrives and, idle, once every
`IDLE_WAIT_S`. Messages, acks, heartbeats and the recovery of a dead worker's messages are
dramatiq's own, unchanged; a lost token costs at most `IDLE_WAIT_S` of latency, never a message.
A delay queue's consumer (`*.DQ`: retries, messages sent for later) also wakes when the earliest
eta of the messages it holds comes.

What this needs of dramatiq's private parts (the consumer it extends, the dispatch script's
arguments) comes from `adapters.broker.dramatiq_private`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis
from dramatiq.errors import ConnectionClosed
from redis.exceptions import NoScriptError

from adapters.broker.dramatiq_private import REDIS_MESSAGE_ID, RedisConsumer, dispatch_argv, dispatch_script

#: The longest an idle consumer waits before it asks its queue again without being woken: what
#: delays a message that came back without a token (a dead worker's, put back by maintenance).
IDLE_WAIT_S = 1.0
#: The shortest wait on a wake list: a delayed message whose eta passed is the worker's to move.
MIN_WAIT_S = 0.005
#: Tokens a wake list keeps: one is enough to wake a consumer; more only make busy ones ask again.
WAKE_TOKENS_KEPT = 2


class WakingRedisBroker(RedisBroker):
    """A `RedisBroker` whose enqueues wake the queue's idle consumers (see the module's docstring)."""

    @property
    def consumer_class(self) -> type[RedisConsumer]:
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
        script = dispatch_script(self)
        pending = list(items)
        for _attempt in range(2):
            pipeline = self.client.pipeline(transaction=False)
            for queue_name, message_id, data in pending:
                pipeline.evalsha(script.sha, 1, self.namespace,
                                 *dispatch_argv(self, "enqueue", queue_name, message_id, data))
            for queue_name in dict.fromkeys(queue for queue, _id, _data in pending):
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


class _WakingConsumer(RedisConsumer):
    """dramatiq's consumer, but an empty queue is waited on (`BLPOP` on its wake list), not polled.

    A delay queue's consumer hands its messages to the worker's consumer thread, which holds them
    until their eta and only looks at them when this returns: it waits no longer than until the
    earliest eta among the delayed messages it handed out and that are not yet acknowledged.
    """

    def __init__(self, broker: WakingRedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self.wake_key = broker.wake_key(queue_name)
        #: The last fetch took fewer messages than it asked for: the queue was empty then, so
        #: whatever came since brought a token, and asking again before one comes finds nothing.
        self.drained = False
        #: message id -> eta (epoch ms) of the delayed messages handed out and not yet acknowledged.
        self.etas: dict[str, int] = {}

    def __next__(self) -> Any:
        if self.message_cache or self.outstanding_message_count >= self.prefetch:
            return self._noted(super().__next__())  # a message at hand, or a full prefetch (a short sleep)
        try:
            if self.drained:
                self.broker.client.blpop([self.wake_key], timeout=self._wait_s())
            wanted = self.prefetch - self.outstanding_message_count
            self.message_cache = self.broker.do_fetch(self.queue_name, wanted)
            self.drained = len(self.message_cache) < wanted
            self.misses = 0
            # None: the worker's consumer thread looks at its delayed messages and comes back.
            return self._noted(super().__next__()) if self.message_cache else None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None

    def ack(self, message: dramatiq.MessageProxy) -> None:
        self.etas.pop(message.message_id, None)
        super().ack(message)

    def nack(self, message: dramatiq.MessageProxy) -> None:
        self.etas.pop(message.message_id, None)
        super().nack(message)

    def _noted(self, message: dramatiq.MessageProxy | None) -> dramatiq.MessageProxy | None:
        eta = message.options.get("eta") if message is not None else None
        if message is not None and isinstance(eta, int | float):
            self.etas[message.message_id] = int(eta)
        return message

    def _wait_s(self) -> float:
        """Until the earliest eta handed out (at least 5 ms), and at most `IDLE_WAIT_S`."""
        soonest = min(self.etas.copy().values(), default=None)  # acks come from other threads too
        if soonest is None:
            return IDLE_WAIT_S
        return min(IDLE_WAIT_S, max(MIN_WAIT_S, (soonest - current_millis()) / 1000))


def enqueue_many(broker: WakingRedisBroker, messages: list[dramatiq.Message]) -> None:
    """Enqueue messages in one round trip, middleware hooks included, as `RedisBroker.enqueue` does
    for one (dramatiq has no batch enqueue)."""
    messages = [message.copy(options={REDIS_MESSAGE_ID: str(uuid4())}) for message in messages]
    for message in messages:
        broker.emit_before("enqueue", message, None)
    broker.dispatch_enqueues([(m.queue_name, m.options[REDIS_MESSAGE_ID], m.encode()) for m in messages])
    for message in messages:
        broker.emit_after("enqueue", message, None)
