"""Idle worker threads sleep a second on their work queue, and still take a message at once."""

from __future__ import annotations

import threading
import time

import dramatiq
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from workers.runtime.idle_threads import IDLE_WAKE_S, SleepingWorkerThreads


def test_idle_worker_threads_wake_once_a_second_yet_take_a_message_at_once() -> None:
    broker = StubBroker()
    broker.add_middleware(SleepingWorkerThreads())
    done = threading.Event()

    @dramatiq.actor(broker=broker)
    def work() -> None:
        done.set()

    worker = Worker(broker, worker_threads=2, worker_timeout=100)  # as `onecard worker` sets it
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(t.timeout == IDLE_WAKE_S for t in worker.workers):
            time.sleep(0.01)
        assert [t.timeout for t in worker.workers] == [IDLE_WAKE_S, IDLE_WAKE_S]
        time.sleep(0.3)  # the threads are blocked on the queue now
        sent = time.monotonic()
        work.send()
        assert done.wait(2)
        assert time.monotonic() - sent < 0.9  # not after the second-long wait
    finally:
        worker.stop()
