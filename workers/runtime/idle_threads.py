"""Idle worker threads that sleep instead of polling.

dramatiq uses one `dramatiq_worker_timeout` for two things: how long a consumer that can take no
more messages (a full prefetch) sleeps before it asks again (100 ms in `onecard worker`; an empty
Redis queue is waited on instead, `adapters.broker.redis_waking`) and how often each idle worker thread wakes
from its in-process work queue to see whether it should stop. The second costs only CPU: measured on
the embedded default, the pools' 108 threads woke about a thousand times a second doing nothing, 8 %
of a core while idle, about 0.8 ms per message at 100 messages a second. A thread blocked on the
work queue still takes a message the moment the consumer hands one over; the longer wake-up only
delays noticing a shutdown, by up to a second.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

#: Seconds an idle worker thread sleeps on its work queue before looking at its `running` flag.
IDLE_WAKE_S = 1.0


class SleepingWorkerThreads(Middleware):
    """Sets each worker thread's work-queue wait (dramatiq's `WorkerThread.timeout`) as it boots."""

    def after_worker_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        thread.timeout = max(thread.timeout, IDLE_WAKE_S)
