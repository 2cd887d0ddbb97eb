"""Run inbox events exactly once, whatever their source: a source's handlers, their effects and the
events' `processed` marks commit in one transaction, so a redelivered event finds its mark and does
nothing.

A source (`Source`: WeChat turns, card transactions) says only how its events are handled; this
module is the rest, written once: load the events, skip what is done, run the group in one
transaction, mark and commit; when a group cannot be kept (a handler failed, another delivery took
an event meanwhile), each event runs alone (`process_one`), where its failure is retried by the
broker or given up on as its source decides.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Row, bindparam, select
from sqlalchemy.exc import IntegrityError

from events.errors import PermanentError, TransientError
from store import inbox
from store.db import begin_as_writer, retry_locked
from store.tables import InboxEvent
from store.uow import UnitOfWork, UowFactory

log = logging.getLogger("onecard.workers")

#: What a source's handlers get for each event: the stored row's id, sender, payload and times.
Event = Row[Any]
P = TypeVar("P")

#: Turns lost to SQLite's single writer are re-run at once this often before the broker retries.
LOCKED_ATTEMPTS = 40


class Source(Protocol[P]):
    """One kind of inbox event. `P` is what `prepare` finds out before the transaction (the answers
    of outside reads, say), so that the transaction stays short."""

    name: str

    def prepare(self, event_ids: Sequence[int]) -> tuple[P, set[int]]:
        """Before any transaction: what the events' handlers will need, and the events that must
        run alone (their preparation failed)."""
        ...

    def handle(self, uow: UnitOfWork, events: Sequence[Event], prepared: P) -> list[str]:
        """Run the handlers of `events` (each new, each once) in `uow`'s transaction and record their
        effects there; an outcome per event (for logs and tests). Raise to keep nothing."""
        ...

    def give_up(self, uow: UnitOfWork, event: Event, prepared: P) -> str | None:
        """The event failed for good (refused, or out of retries): record what is left to do in
        `uow`'s fresh transaction (tell the user) and return the outcome; None to let the failure go
        to the broker (its dead letters, and the sweeper) instead."""
        ...


class TakenMeanwhile(Exception):
    """Another delivery of one of the events committed first: this run keeps nothing."""


#: Built once, run for every group: the columns a handler needs, without an ORM object to track.
_COLUMNS = ("id", "source", "openid", "payload", "status", "received_at")
LOAD_EVENTS = select(*(InboxEvent.__table__.c[name] for name in _COLUMNS)).where(
    InboxEvent.__table__.c.id.in_(bindparam("event_ids", expanding=True)))


class Pipeline(Generic[P]):
    """One source's events, exactly once: in groups (`process_group`) or alone (`process_one`)."""

    def __init__(self, source: Source[P], uow_factory: UowFactory) -> None:
        self.source, self._uow = source, uow_factory

    def process_group(self, event_ids: Sequence[int]) -> list[str | None]:
        """Several events in one transaction: what happened to each, or None for those that must run
        alone (`process_one`). A busy pool pays one commit, one statement per kind of write and one
        broker round trip for the group instead of for each event."""
        unique = list(dict.fromkeys(event_ids))  # one event handed in twice (the sweeper's and the ingress's)
        prepared, alone = self.source.prepare(unique)
        together = [event_id for event_id in unique if event_id not in alone]
        if not together:
            return [None] * len(event_ids)
        try:
            outcomes = retry_locked(lambda: self._run(together, prepared), attempts=LOCKED_ATTEMPTS,
                                    pause=_pause)
        except Exception as exc:  # every event runs again on its own, and fails (and retries) there
            log.info("%s: group of %d events runs one by one: %s: %s", self.source.name, len(together),
                     type(exc).__name__, exc)
            return [None] * len(event_ids)
        answered: list[str | None] = []
        seen: set[int] = set()
        for event_id in event_ids:
            answered.append("duplicate" if event_id in seen else outcomes.get(event_id))
            seen.add(event_id)
        return answered

    def process_one(self, event_id: int, *, last_attempt: bool = False) -> str:
        """One event in its own transaction: what happened to it. A handler's failure is raised (the
        broker retries it) unless it is permanent or the last attempt: then the source gives up."""
        prepared, _ = self.source.prepare([event_id])
        return retry_locked(lambda: self._run_one(event_id, prepared, last_attempt), attempts=LOCKED_ATTEMPTS,
                            pause=_pause)

    def _load(self, uow: UnitOfWork, event_ids: Sequence[int]) -> dict[int, Event]:
        return {event.id: event for event in uow.session.execute(LOAD_EVENTS, {"event_ids": list(event_ids)})}

    def _run(self, event_ids: Sequence[int], prepared: P) -> dict[int, str]:
        with self._uow() as uow:
            # A group reads, then writes: SQLite's write lock first, so that it waits for the ingress
            # instead of failing. Its handlers ask nothing outside meanwhile (a query group's reads
            # were asked ahead), so the lock is held for milliseconds.
            begin_as_writer(uow.session)
            events = self._load(uow, event_ids)
            outcomes = {event_id: _skipped(events.get(event_id)) for event_id in event_ids}
            new = [events[event_id] for event_id, outcome in outcomes.items() if outcome is None]
            if new:
                outcomes.update(zip((e.id for e in new), self.source.handle(uow, new, prepared), strict=True))
                if not inbox.mark_processed(uow.session, [e.id for e in new]):
                    raise TakenMeanwhile()
            uow.commit()
            return {event_id: outcome or "" for event_id, outcome in outcomes.items()}

    def _run_one(self, event_id: int, prepared: P, last_attempt: bool) -> str:
        # No write lock up front: an event run alone may wait on an outside system (a bind asks the
        # card system), and SQLite's one writer would stall the ingress meanwhile. Losing the writer
        # race instead runs it again (`retry_locked`), its outside reads kept (`reads.CachedPort`).
        with self._uow() as uow:
            event = self._load(uow, [event_id]).get(event_id)
            skipped = _skipped(event)
            if skipped is not None or event is None:
                return skipped or "missing"
            try:
                [outcome] = self.source.handle(uow, [event], prepared)
            except IntegrityError:
                # Another delivery of the event ran beside this one and committed first: its rows
                # (the replies, keyed by the event) are there. PostgreSQL says so at the insert, before
                # the processed mark would have.
                uow.rollback()
                if _skipped(self._load(uow, [event_id]).get(event_id)) == "duplicate":
                    return "duplicate"
                raise
            except (TransientError, PermanentError) as exc:
                if isinstance(exc, TransientError) and not last_attempt:
                    raise
                uow.rollback()
                gave_up = self.source.give_up(uow, event, prepared)
                if gave_up is None:
                    raise
                log.exception("%s: event %s failed: %s", self.source.name, event_id, exc)
                outcome = gave_up
            if not inbox.mark_processed(uow.session, [event_id]):
                uow.rollback()
                return "duplicate"
            uow.commit()
            return outcome


def _skipped(event: Event | None) -> str | None:
    """Why an event is not run now (not stored, or done already), or None to run it."""
    if event is None:
        log.warning("an event handed to a pool is not in the inbox")
        return "missing"
    return None if event.status == "received" else "duplicate"


def _pause(_attempt: int) -> float:
    # Short and jittered: under load the ingress commits every few milliseconds, so a run wins by
    # retrying soon, while the competing runs spread out.
    return random.uniform(0.002, 0.02)
