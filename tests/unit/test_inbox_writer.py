"""The ingress's group commit waits for company only while callbacks keep coming, and only until
enough of them wait: a lone callback is written at once, and so are a trickle and a full group."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from events.messages import InboundMessage
from ingress.inbox_writer import InboxWriter
from store.inbox import Inbound

LINGER = 0.2
#: Longer than any test runs: a write that waited for it would time the test out.
FOREVER = 3600.0


class RecordingWriter(InboxWriter):
    """The writer's batching as it is, with the database write replaced by a note of each batch and
    a count of the lingers it began (it lingers exactly when it finds traffic with too few waiting)."""

    def __init__(self, gather: int = 4, busy_callbacks: int = 2, linger: float = LINGER) -> None:
        super().__init__(create_engine("sqlite://"), lambda _items: None, linger=linger, gather=gather,
                         busy_callbacks=busy_callbacks)
        self.batches: list[int] = []
        self.lingers = 0

    def _write(self, items: list[tuple[Inbound, str | None]]) -> list[int | SQLAlchemyError | None]:
        self.batches.append(len(items))
        return list(range(len(items)))

    def _busy(self, now: float) -> bool:
        busy = super()._busy(now)
        self.lingers += busy
        return busy


def callback(n: int) -> InboundMessage:
    return InboundMessage(to_user="gh_test", from_user=f"user-{n}", create_time=n, msg_type="text",
                          msg_id=str(n), content="余额")


async def store(writer: InboxWriter, n: int) -> int | None:
    return await writer.store(callback(n), "query")


def test_a_callback_after_a_quiet_spell_is_written_at_once() -> None:
    writer = RecordingWriter()
    asyncio.run(store(writer, 1))
    assert writer.batches == [1] and writer.lingers == 0


def test_a_trickle_below_the_traffic_rate_is_written_at_once() -> None:
    writer = RecordingWriter(gather=10, busy_callbacks=5)

    async def scenario() -> None:
        for n in range(4):  # four within a second: not yet traffic
            await store(writer, n)
            await asyncio.sleep(0.02)

    asyncio.run(scenario())
    assert writer.batches == [1, 1, 1, 1] and writer.lingers == 0


def test_under_traffic_callbacks_that_come_within_the_linger_are_written_together() -> None:
    writer = RecordingWriter(gather=10)

    async def scenario() -> None:
        await store(writer, 0)  # traffic: the next writes linger
        tasks = []
        for n in range(1, 4):
            tasks.append(asyncio.create_task(store(writer, n)))
            await asyncio.sleep(0.02)
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert writer.batches == [1, 3]
    assert writer.lingers == 1  # the first of the three waited for the others


def test_a_write_starts_as_soon_as_enough_callbacks_wait() -> None:
    # A linger no test outlasts: only the callbacks' company can end it (or the deadline fails the test).
    writer = RecordingWriter(gather=4, linger=FOREVER)

    async def scenario() -> None:
        await store(writer, 0)
        await asyncio.wait_for(asyncio.gather(*(store(writer, n) for n in range(1, 5))), timeout=30)

    asyncio.run(scenario())
    assert writer.batches == [1, 4]
