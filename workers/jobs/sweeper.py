"""The database is the truth; the broker can lose or delay messages. The sweeper closes that gap:
events stored but not processed, and replies recorded but not sent, are enqueued again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from store import inbox, outbound

log = logging.getLogger("onecard.sweeper")


@dataclass(frozen=True)
class SweepResult:
    events: int
    replies: int


def sweep(
    engine: Engine,
    *,
    older_than: timedelta,
    enqueue_events: Callable[[list[tuple[str, int]]], None],
    deliver: Callable[[list[tuple[int, str]]], None],
) -> SweepResult:
    events = inbox.claim_unprocessed(engine, older_than)
    if events:
        enqueue_events([(topic, event_id) for event_id, topic in events])
    replies = outbound.stuck(engine, older_than)
    if replies:
        deliver(replies)
    if events or replies:
        log.info("sweeper re-enqueued %d events and %d replies", len(events), len(replies))
    return SweepResult(len(events), len(replies))
