"""The ingress's group commit waits for company only while callbacks keep coming, and only until
enough of them wait: a lone callback is written at once, and so are a trickle and a full group."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from events.messages import InboundMessage
from ingress.inbox_writer import InboxWriter

LINGER = 0.2


class RecordingWriter(InboxWriter):
    """The writer's batching as it is, with the database write replaced by a note of each batch."""

    def __init__(self, gather: int = 4, busy_callbacks: int = 2) -> None:
        super().__init__(create_engine("sqlite://"), lambda _items: None, linger=LINGER, gather=gather,
                         busy_callbacks=busy_callbacks)
        self.batches: list[int] = []

    def _write(self, items: list[tuple[InboundMessage, str | None]]) -> list[int | SQLAlchemyError | None]:
        self.batches.append(len(items))
        return list(range(len(items)))


def callback(n: int) -> InboundMessage:
    return InboundMessage(to_user="gh_test", from_user=f"user-{n}", create_time=n, msg_type="text",
                          msg_id=str(n), content="余额")


async def timed(writer: InboxWriter, n: int) -> float:
    started = time.monotonic()
    await writer.store(callback(n), "query")
    return time.monotonic() - started


def test_a_callback_after_a_quiet_spell_is_written_at_once() -> None:
    async def scenario() -> tuple[float, list[int]]:
        writer = RecordingWriter()
        return await timed(writer, 1), writer.batches

    took, batches = asyncio.run(scenario())
    assert took < LINGER / 2 and batches == [1]


def test_a_trickle_below_the_traffic_rate_is_written_at_once() -> None:
    async def scenario() -> tuple[list[float], list[int]]:
        writer = RecordingWriter(gather=10, busy_callbacks=5)
        took = []
        for n in range(4):  # four within a second: not yet traffic
            took.append(await timed(writer, n))
            await asyncio.sleep(0.02)
        return took, writer.batches

    took, batches = asyncio.run(scenario())
    assert batches == [1, 1, 1, 1]
    assert max(took) < LINGER / 2


def test_under_traffic_callbacks_that_come_within_the_linger_are_written_together() -> None:
    async def scenario() -> tuple[list[float], list[int]]:
        writer = RecordingWriter(gather=10)
        await timed(writer, 0)  # traffic: the next writes linger
        tasks = []
        for n in range(1, 4):
            tasks.append(asyncio.create_task(timed(writer, n)))
            await asyncio.sleep(0.02)
        return list(await asyncio.gather(*tasks)), writer.batches

    took, batches = asyncio.run(scenario())
    assert batches == [1, 3]
    assert LINGER * 0.6 < took[0] < LINGER * 2  # the first waited for the others, about one linger


def test_a_write_starts_as_soon_as_enough_callbacks_wait() -> None:
    async def scenario() -> tuple[list[float], list[int]]:
        writer = RecordingWriter(gather=4)
        await timed(writer, 0)
        took = await asyncio.gather(*(timed(writer, n) for n in range(1, 5)))
        return list(took), writer.batches

    took, batches = asyncio.run(scenario())
    assert batches == [1, 4]
    assert max(took) < LINGER / 2
