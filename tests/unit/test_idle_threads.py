"""Idle worker threads sleep a second on their work queue, and still take a message at once."""

from __future__ import annotations

import threading
from queue import PriorityQueue
from typing import Any

import dramatiq
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from tests.processes import wait_until
from workers.runtime.idle_threads import IDLE_WAKE_S, SleepingWorkerThreads


class NotingQueue(PriorityQueue[Any]):
    """dramatiq's work queue, noting each `get` as it begins and which of them handed a message over."""

    def __init__(self) -> None:
        super().__init__()
        self.begun = 0
        self.handed: list[int] = []  # for each message taken: the number of the `get` that took it
        self._lock = threading.Lock()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        with self._lock:
            self.begun += 1
            number = self.begun
        item = super().get(block, timeout)
        self.handed.append(number)
        return item


def test_idle_worker_threads_wake_once_a_second_yet_take_a_message_at_once() -> None:
    broker = StubBroker()
    broker.add_middleware(SleepingWorkerThreads())
    done = threading.Event()

    @dramatiq.actor(broker=broker)
    def work() -> None:
        done.set()

    worker = Worker(broker, worker_threads=2, worker_timeout=100)  # as `onecard worker` sets it
    worker.work_queue = queue = NotingQueue()  # before start: the threads and the consumer share it
    worker.start()
    try:
        assert wait_until(lambda: all(t.timeout == IDLE_WAKE_S for t in worker.workers), timeout=5)
        # Both threads are blocked on the queue once each has begun a get with the long timeout.
        assert wait_until(lambda: queue.begun >= 2, timeout=5)
        waiting = queue.begun
        work.send()
        assert done.wait(10)
        # Taken by a get that had begun before the message was sent: a thread blocked on the queue
        # took it at once, not after waking from its second-long wait to ask again.
        assert queue.handed and queue.handed[0] <= waiting, (queue.handed, waiting)
    finally:
        worker.stop()
