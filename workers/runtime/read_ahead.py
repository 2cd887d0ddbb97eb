"""Groups of turns that read from outside systems: the reads are asked side by side first, then
the turns run in one transaction on the answers.

A balance query waits 100–200 ms on the card system. Run one per thread, a pool holds as many
waits as it has threads, and on SQLite each turn held its transaction open across the wait and
lost the writer race when the ingress committed meanwhile. Here a group is first *rehearsed* in a
read-only transaction that is rolled back: each handler runs until it asks the card system (or the
campus data store) something not yet known, and the question is noted. The questions of the whole
group are asked at once on a pool of threads (`Ports.calls_in_flight`), and the rehearsal runs
again, until no turn asks anything new. Then the group runs for real, on the answers, in one short
transaction (`dispatch.run_group`): its writes, replies and processed marks commit together, as
for any group. A turn that would change something outside (freeze a card), keeps failing or keeps
asking runs alone (`dispatch.process_event`), as before.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from events.commands import Command
from store.uow import UnitOfWork
from workers.runtime import dispatch, switches
from workers.runtime.turn import Handler, Ports

log = logging.getLogger("onecard.workers")

#: The methods of each port that only read: asked ahead, and answered from what was asked.
READS: dict[str, frozenset[str]] = {
    "card": frozenset({"find_holder", "balance_fen", "card_info", "transactions", "holder_by_card"}),
    "campus": frozenset({"meetings", "grades", "timetable", "loans", "lockers"}),
}
#: A turn still asking something new after this many rehearsals runs alone.
MAX_ROUNDS = 4

Key = tuple[str, str, tuple[Any, ...], tuple[tuple[str, Any], ...]]


class Unanswered(BaseException):
    """A read not asked yet; BaseException so that a handler's `except Exception` lets it through."""

    def __init__(self, key: Key) -> None:
        super().__init__(key)
        self.key = key


class MustRunAlone(BaseException):
    """The turn calls something that is not a read: it runs on its own, as every turn once did."""


class _AnsweredPort:
    """A port whose reads come from `answers`; an unknown read raises `Unanswered`."""

    def __init__(self, name: str, answers: dict[Key, tuple[bool, Any]]) -> None:
        self._name, self._answers = name, answers

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in READS[self._name]:
            raise MustRunAlone(f"{self._name}.{method}")

        def answered(*args: Any, **kwargs: Any) -> Any:
            key = (self._name, method, args, tuple(sorted(kwargs.items())))
            if key not in self._answers:
                raise Unanswered(key)
            ok, value = self._answers[key]
            if ok:
                return value
            raise value

        return answered


class ReadAhead:
    """One per pool process: the threads the questions are asked on, and the group's flow."""

    def __init__(self, ports: Ports, handlers: Mapping[type[Command], Handler], deliver: dispatch.DeliverMany,
                 uow_factory: Callable[[], UnitOfWork]) -> None:
        self._ports, self._handlers, self._deliver, self._uow = ports, handlers, deliver, uow_factory
        self._asking: ThreadPoolExecutor | None = None  # started on the first question
        self._starting = threading.Lock()

    def __call__(self, event_ids: Sequence[int]) -> list[str | None]:
        """What happened to each event, or None where it must run alone (`dispatch.process_event`)."""
        answers: dict[Key, tuple[bool, Any]] = {}
        ports = dataclasses.replace(self._ports, card=_AnsweredPort("card", answers),
                                    campus=_AnsweredPort("campus", answers) if self._ports.campus else None)
        rehearsal = dispatch.Rehearsal()
        alone: set[int] = set()
        outcomes: dict[int, str] = {}
        together = list(event_ids)
        rehearse = True
        for _round in range(MAX_ROUNDS):
            if not together:
                break
            if rehearse:
                questions = self._rehearse(together, ports, rehearsal, alone)
                together = [e for e in together if e not in alone]
                # Answered without errors, the turns most likely ask nothing more: run them for
                # real now rather than rehearse once more (a read that failed is met in a rehearsal,
                # so that only its turn runs alone).
                rehearse = not self._ask(questions, answers)
            if rehearse or not together:
                continue
            try:
                outcomes = dict(zip(together, dispatch.run_group(
                    together, uow=self._uow(), ports=ports, handlers=self._handlers, deliver=self._deliver,
                    rehearsal=rehearsal), strict=True))
                break
            except Unanswered:  # a turn asks more than it did in rehearsal (a bill's second page)
                rehearse = True
            except (Exception, MustRunAlone) as exc:  # something changed since the rehearsal
                log.info("group of %d events runs one by one: %s: %s", len(together), type(exc).__name__, exc)
                break
        return [outcomes.get(event_id) for event_id in event_ids]

    def _rehearse(self, event_ids: list[int], ports: Ports, rehearsal: dispatch.Rehearsal,
                  alone: set[int]) -> set[Key]:
        """Run the turns without keeping anything: the questions they ask that have no answer yet.
        Notes in `rehearsal` what the real run reuses (clocks, events, switches, bindings)."""
        questions: set[Key] = set()
        uow = self._uow()
        # Without autoflush, what a turn adds (a statement's paging cursor) stays in the session
        # until the rollback: the rehearsal never writes, so it never waits for SQLite's writer.
        with uow, uow.session.no_autoflush:
            events = uow.session.execute(dispatch.LOAD_EVENTS, {"event_ids": event_ids}).all()
            rehearsal.events = {event.id: event for event in events}
            dispatch.preload(uow.session, [event.openid for event in events])
            for event in events:
                if event.status != "received":
                    continue
                now = rehearsal.nows.setdefault(event.id,
                                                self._ports.clock() if self._ports.clock else datetime.now(UTC))
                turn, routed = dispatch.begin_turn(uow.session, event, ports, now)
                try:
                    dispatch.run_handler(turn, routed, self._handlers)
                except Unanswered as question:
                    questions.add(question.key)
                except (Exception, MustRunAlone) as exc:  # a failure or a change outside: alone, with retries
                    log.info("event %s runs alone: %s: %s", event.id, type(exc).__name__, exc)
                    alone.add(event.id)
            rehearsal.paused = switches.read_so_far(uow.session)
            rehearsal.bindings = dispatch.detach_bindings(uow.session)
            uow.rollback()
        return questions

    def _ask(self, questions: set[Key], answers: dict[Key, tuple[bool, Any]]) -> bool:
        """Every question at once; an error is kept as the answer, for the handler to meet.
        True if every one was answered without error."""
        if not questions:
            return True
        def ask(key: Key) -> tuple[bool, Any]:
            port, method, args, kwargs = key
            try:
                return True, getattr(getattr(self._ports, port), method)(*args, **dict(kwargs))
            except Exception as exc:
                return False, exc

        with self._starting:
            if self._asking is None:
                self._asking = ThreadPoolExecutor(self._ports.calls_in_flight, thread_name_prefix="read-ahead")
        keys = list(questions)
        answered = list(self._asking.map(ask, keys))
        answers.update(zip(keys, answered, strict=True))
        return all(ok for ok, _ in answered)
