"""Group commit for the inbox: the callbacks that arrive together are stored in one transaction.

A commit (and on SQLite the single writer lock) is what a callback costs; stored one by one from a
thread pool, concurrent callbacks queue on that lock. Here one writer thread takes everything that
arrived while it was busy and commits it at once, then enqueues the new events. Every callback is
still acknowledged only after its row committed (and its enqueue was tried), exactly as before.

While callbacks keep coming (fifty in the last second), the first of a write waits for company:
until `gather` callbacks wait or `linger` seconds passed. At a hundred callbacks a second a write
then holds about eleven instead of one, and so does every hop after it (a grouped topic's events
travel as one broker message, their turns run as one group, their replies are handed to the reply
pool as one message), so each hop's commit, broker fetch and ack and thread hand-offs are paid once
for them. Measured on the balance-query path at 100/s, embedded, 15 s runs: 4.0 ms of CPU a message
over the platform's processes with 15 ms, 2.8-3.4 ms with 40 ms, 2.3-2.9 ms with 60 ms; on
PostgreSQL + Redis (another machine, 20 s runs, interleaved) 2.79-3.53 ms with 60 ms and 8,
2.32-2.79 ms with 100 ms and 12. The answer comes those milliseconds later (p50 165 → 176 ms from
40 to 60, 185 → 213 ms from 60 to 100; the ack about 35 → 55 ms).

Slower traffic is written at once: at twenty a second a write would gather two, for 50 ms more on
every answer (`bench_werobot`'s 20/s row: answers p50 257 ms without a linger, 295 ms with 100 ms
from any traffic), and the machine has CPU to spare. At thousands a second `gather` arrive within
milliseconds, so the acks stay as fast as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from store.inbox import Inbound, store_many

log = logging.getLogger("onecard.ingress")

#: Hands (topic, event id) pairs to the broker at once; see `adapters.broker.enqueue.enqueue_events`.
EnqueueMany = Callable[[list[tuple[str, int]]], None]
Item = tuple[Inbound, str | None, "asyncio.Future[int | None]"]

#: How long the first callback of a write waits for company (see the module's docstring).
INBOX_LINGER_S = 0.1
#: Traffic, for the linger: at least `BUSY_CALLBACKS` callbacks in the last `BUSY_WINDOW_S` seconds.
#: Below that a write is small whatever it waits for, and the machine has CPU to spare: no linger.
BUSY_WINDOW_S = 1.0
BUSY_CALLBACKS = 50
#: A write with this many callbacks waiting starts at once.
INBOX_GATHER = 12


class InboxWriter:
    """Stores callbacks in batches of up to `max_batch`; `await store(msg, topic)` → new id or None."""

    def __init__(self, engine: Engine, enqueue: EnqueueMany, *, max_batch: int = 256,
                 linger: float = INBOX_LINGER_S, gather: int = INBOX_GATHER,
                 busy_callbacks: int = BUSY_CALLBACKS) -> None:
        self.engine = engine
        self.enqueue = enqueue
        self.max_batch = max_batch
        self.linger = linger
        self.gather = gather
        self._company: asyncio.Future[None] | None = None  # done once `gather` callbacks wait
        # When the last `busy_callbacks` callbacks came (the event loop's clock): traffic if the oldest
        # of them came within BUSY_WINDOW_S.
        self._arrivals: deque[float] = deque(maxlen=busy_callbacks)
        self._pending: list[Item] = []
        self._drainer: asyncio.Task[None] | None = None  # writes while callbacks wait; held, so it is not collected
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-writer")

    async def store(self, message: Inbound, topic: str | None) -> int | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int | None] = loop.create_future()
        self._pending.append((message, topic, future))
        self._arrivals.append(loop.time())
        if self._company is not None and len(self._pending) >= self.gather and not self._company.done():
            self._company.set_result(None)
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            if self.linger and len(self._pending) < self.gather and self._busy(loop.time()):
                self._company = loop.create_future()
                await asyncio.wait({self._company}, timeout=self.linger)
                self._company = None
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            try:
                ids = await loop.run_in_executor(self._executor, self._write, [(m, t) for m, t, _ in batch])
            except BaseException as exc:  # every waiting callback hears about it (503)
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (*_, future), outcome in zip(batch, ids, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _busy(self, now: float) -> bool:
        arrivals = self._arrivals
        return len(arrivals) == arrivals.maxlen and now - arrivals[0] <= BUSY_WINDOW_S

    def _write(self, items: list[tuple[Inbound, str | None]]) -> list[int | SQLAlchemyError | None]:
        try:
            stored = store_many(self.engine, items)
        except SQLAlchemyError as exc:
            if len(items) == 1:
                return [exc]
            # One bad row must not fail its neighbours: store them one by one, as before.
            log.warning("batch of %d failed; storing one by one", len(items))
            return [self._write([item])[0] for item in items]
        new = [(topic, event_id) for (_message, topic), event_id in zip(items, stored, strict=True)
               if event_id is not None and topic is not None]
        if new:
            try:
                self.enqueue(new)
            except Exception:
                log.exception("enqueue failed for %d events; the sweeper will deliver them", len(new))
        return list(stored)
