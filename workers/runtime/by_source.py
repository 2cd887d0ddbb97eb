"""One topic, several sources: the `topup` pool runs WeChat turns (确认, 充值 …) and WeChat Pay's
notifications. `BySource` is the topic's one `Source` for the pipeline; it hands each event to the
source its row names (`InboxEvent.source`), so each source prepares and handles only its own events
and the group still commits in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select

from events.errors import PermanentError, TransientError
from store.tables import InboxEvent
from store.uow import UnitOfWork, UowFactory
from workers.runtime.pipeline import Event, Source

_SOURCES = select(InboxEvent.id, InboxEvent.source).where(InboxEvent.id.in_(bindparam("event_ids", expanding=True)))

#: What each source prepared for its own events, by source name.
Prepared = dict[str, Any]


class BySource:
    """The `Source` of a topic whose events come from several sources: `sources` by `InboxEvent.source`."""

    def __init__(self, sources: Mapping[str, Source[Any]], uow_factory: UowFactory) -> None:
        self.sources, self._uow = dict(sources), uow_factory
        self.name = "+".join(sources)

    def prepare(self, event_ids: Sequence[int]) -> tuple[Prepared, set[int]]:
        """Each source prepares the ids of its own events (a WeChat read-ahead never sees a payment);
        an event of a source this topic does not know runs alone, and fails there."""
        with self._uow() as uow:
            found = {row.id: row.source for row in uow.session.execute(_SOURCES, {"event_ids": list(event_ids)})}
        prepared: Prepared = {}
        alone = {event_id for event_id, source in found.items() if source not in self.sources}
        for name, source in self.sources.items():
            own = [event_id for event_id in event_ids if found.get(event_id) == name]
            if own:
                prepared[name], failed = source.prepare(own)
                alone |= failed
        return prepared, alone

    def handle(self, uow: UnitOfWork, events: Sequence[Event], prepared: Prepared) -> list[str]:
        """Each source's events in their order, by that source, in this one transaction; the outcomes
        in the order of `events`."""
        by_source: dict[str, list[int]] = {}
        for position, event in enumerate(events):
            by_source.setdefault(event.source, []).append(position)
        outcomes: list[str] = [""] * len(events)
        for name, positions in by_source.items():
            source = self._source(name)
            if name not in prepared:  # `prepare` did not see it: again (alone, or the broker's retry)
                raise TransientError(f"event of source {name!r} was not prepared")
            handled = source.handle(uow, [events[p] for p in positions], prepared[name])
            for position, outcome in zip(positions, handled, strict=True):
                outcomes[position] = outcome
        return outcomes

    def give_up(self, uow: UnitOfWork, event: Event, prepared: Prepared) -> str | None:
        source = self.sources.get(event.source)
        if source is None or event.source not in prepared:
            return None
        return source.give_up(uow, event, prepared[event.source])

    def _source(self, name: str) -> Source[Any]:
        source = self.sources.get(name)
        if source is None:
            raise PermanentError(f"no handler for inbox source {name!r} on this topic")
        return source
