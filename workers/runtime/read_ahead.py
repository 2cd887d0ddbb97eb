"""The read-ahead stage: a group's declared reads asked side by side, before its transaction.

For each new event of the group: its command (routed as the turn will route it), its sender's card
(the binding), and the reads its handler declares (`reads.reads_ahead`). Those are asked at once on
a pool of threads (`Ports.calls_in_flight`), and the group then runs once, in one short transaction,
with ports that answer from what was asked (`reads.CachedPort`). A turn whose read failed runs
alone, where the read is asked again and its failure is retried or apologised for.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from events.commands import Command
from events.messages import to_message
from events.routing import route
from store.inbox import WECHAT
from store.tables import Binding, ServiceState
from store.uow import UowFactory
from workers.runtime import reads
from workers.runtime.pipeline import LOAD_EVENTS
from workers.runtime.turn import Ports

log = logging.getLogger("onecard.workers")

def _recall(session: Session, openid: str, name: str) -> dict[str, Any] | None:
    """What the sender's conversation kept under `name` (the declaration of "更多" needs its page)."""
    row = session.get(ServiceState, (openid, name))
    return None if row is None else dict(row.data)


_SENDERS = select(Binding.openid, Binding.student_no).where(Binding.openid.in_(bindparam("openids", expanding=True)))


class ReadAhead:
    """One per pool process: the threads the reads wait on, and what each command declares."""

    def __init__(self, ports: Ports, declarations: Mapping[type[Command], reads.Declare],
                 uow_factory: UowFactory) -> None:
        self._ports, self._declarations, self._uow = ports, declarations, uow_factory
        self._asking: ThreadPoolExecutor | None = None  # started on the first read
        self._starting = threading.Lock()

    def __call__(self, event_ids: Sequence[int]) -> tuple[Ports, set[int]]:
        """Ports that answer the group's declared reads, and the events whose reads failed."""
        by_event = self._declared(event_ids)
        card: dict[reads.Key, Any] = {}
        campus: dict[reads.Key, Any] = {}
        failed: set[tuple[str, reads.Key]] = set()
        wanted = {("card", k) for asked in by_event.values() for k in asked.card} | {
            ("campus", k) for asked in by_event.values() for k in asked.campus}
        for (port, asked), (ok, answer) in zip(wanted, self._ask(list(wanted)), strict=True):
            if not ok:
                failed.add((port, asked))
            else:
                (card if port == "card" else campus)[asked] = answer
        alone = {event_id for event_id, asked in by_event.items()
                 if {("card", k) for k in asked.card} & failed or {("campus", k) for k in asked.campus} & failed}
        ports = dataclasses.replace(
            self._ports, card=reads.cached_card(self._ports.card, card),
            campus=reads.cached_campus(self._ports.campus, campus) if self._ports.campus else None)
        return ports, alone

    def _declared(self, event_ids: Sequence[int]) -> dict[int, reads.Asked]:
        """The reads each new event's handler declares for its bound sender, from one short read."""
        now = self._ports.clock() if self._ports.clock else datetime.now(UTC)
        asked: dict[int, reads.Asked] = {}
        with self._uow() as uow:
            session = uow.session
            # Only WeChat turns are routed as messages: another source's payload is not one.
            events = [e for e in session.execute(LOAD_EVENTS, {"event_ids": list(event_ids)})
                      if e.status == "received" and e.source == WECHAT]
            senders = dict(session.execute(_SENDERS, {"openids": list({e.openid for e in events})}).all())
            for event in events:
                student_no = senders.get(event.openid)
                routed = route(to_message(event.payload))
                declare = self._declarations.get(type(routed.command)) if routed else None
                if student_no is not None and declare is not None and routed is not None:
                    asked[event.id] = reads.declared(declare, routed.command, student_no, now,
                                                     functools.partial(_recall, session, event.openid))
        return asked

    def _ask(self, wanted: list[tuple[str, reads.Key]]) -> list[tuple[bool, Any]]:
        """Every read at once: (True, answer) or (False, the error), in order."""
        if not wanted:
            return []

        def ask(item: tuple[str, reads.Key]) -> tuple[bool, Any]:
            port, (method, args, kwargs) = item
            try:
                return True, getattr(getattr(self._ports, port), method)(*args, **dict(kwargs))
            except Exception as exc:
                log.info("read ahead %s.%s failed: %s: %s", port, method, type(exc).__name__, exc)
                return False, exc

        with self._starting:
            if self._asking is None:
                self._asking = ThreadPoolExecutor(self._ports.calls_in_flight, thread_name_prefix="read-ahead")
        return list(self._asking.map(ask, wanted))


def fresh_reads(ports: Ports) -> Ports:
    """The same ports, with reads kept for one run (and its re-runs on SQLite's lock): without a
    read-ahead stage, a turn that loses the writer race does not ask the card system again."""
    return dataclasses.replace(ports, card=reads.cached_card(ports.card),
                               campus=reads.cached_campus(ports.campus) if ports.campus else None)

