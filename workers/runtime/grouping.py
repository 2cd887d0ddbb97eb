"""Group commit for worker threads: what several threads of a pool hand in together runs as one group.

A pool's threads each take a message from the broker. Run one by one, every event pays a commit,
a statement per write and a broker round trip; the same work in one transaction pays them once.
A thread that finds no group running runs everything waiting (its own items and the others'),
while the others wait for their results. Idle, a group is one message and waits for nothing; busy,
each group gathers what arrived while the previous one ran, as the ingress's inbox writer does.
Groups that mostly wait (on the card system: `read_ahead`) may run several at a time (`concurrent`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class _Slot(Generic[T, R]):
    items: Sequence[T]
    results: list[R] | None = None
    error: BaseException | None = None
    done: bool = False


class GroupRunner(Generic[T, R]):
    """`runner(items)` → `run(group)`'s results for those items, where the group holds every item
    handed in meanwhile by other threads too, up to about `max_items`; `concurrent` groups run at a time."""

    def __init__(self, run: Callable[[list[T]], list[R]], *, max_items: int = 64, concurrent: int = 1,
                 linger: float = 0.0) -> None:
        self._run = run
        self._max_items = max_items
        self._concurrent = concurrent
        self._linger = linger
        self._cond = threading.Condition()
        self._waiting: list[_Slot[T, R]] = []
        self._running = 0

    def __call__(self, items: Sequence[T]) -> list[R]:
        slot: _Slot[T, R] = _Slot(items)
        with self._cond:
            self._waiting.append(slot)
            while not slot.done:
                if self._running >= self._concurrent or not self._waiting:
                    self._cond.wait()
                    continue
                self._running += 1
                self._gather()
                if not self._waiting:  # a group started meanwhile took them all
                    self._running -= 1
                    continue
                group = self._take()
                self._cond.release()
                try:
                    self._run_group(group)
                finally:
                    self._cond.acquire()
                    self._running -= 1
                    self._cond.notify_all()
        if slot.error is not None:
            raise slot.error
        assert slot.results is not None
        return slot.results

    def _gather(self) -> None:
        """Wait up to `linger` seconds for more items (the lock released meanwhile): a group that
        waits on the card system anyway pays little for it and runs once for several turns."""
        deadline = time.monotonic() + self._linger
        while (left := deadline - time.monotonic()) > 0 and sum(len(s.items) for s in self._waiting) < self._max_items:
            self._cond.wait(left)

    def _take(self) -> list[_Slot[T, R]]:
        """Whole slots from the front, at least one, while they fit in `max_items`."""
        count, size = 0, 0
        for slot in self._waiting:
            if count and size + len(slot.items) > self._max_items:
                break
            count += 1
            size += len(slot.items)
        group, self._waiting = self._waiting[:count], self._waiting[count:]
        return group

    def _run_group(self, group: list[_Slot[T, R]]) -> None:
        try:
            results = self._run([item for slot in group for item in slot.items])
        except BaseException as exc:  # each waiting thread raises it, and its message is retried
            for slot in group:
                slot.error, slot.done = exc, True
            return
        start = 0
        for slot in group:
            slot.results, slot.done = results[start:start + len(slot.items)], True
            start += len(slot.items)
