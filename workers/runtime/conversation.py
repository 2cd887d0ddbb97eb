"""A conversation's memory between two messages (where "更多" continues the 流水 list), kept in the
`service_states` table, and read for a whole group of turns at once.

A turn recalls and remembers through `Turn.recall` / `Turn.remember`. A group's turns share one
`Memory`: the first turn that asks reads every sender's memory in one statement, so a later turn
finds its own (or knows there is none) without asking the database again — `session.get` would ask
on every miss and first flush the previous turn's new state (measured: a sixth of the query pool's
CPU in a mix with 20 % statements). A group of balance queries never asks, and never reads it. A
turn run alone (or a test's) has no `Memory` and asks the session.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from store.tables import ServiceState

_LOAD = select(ServiceState).where(ServiceState.openid.in_(bindparam("openids", expanding=True)))


class Memory:
    """The memories of a group's senders, read when the first turn asks."""

    def __init__(self, session: Session, openids: Sequence[str]) -> None:
        self._session, self._openids = session, list(set(openids))
        self._rows: dict[tuple[str, str], ServiceState] | None = None

    def row(self, openid: str, name: str) -> ServiceState | None:
        if self._rows is None:
            # Before any turn saved a state (a save asks here first): nothing unflushed to miss.
            with self._session.no_autoflush:
                found = self._session.execute(_LOAD, {"openids": self._openids}).scalars()
                self._rows = {(row.openid, row.name): row for row in found}
        return self._rows.get((openid, name))

    def added(self, row: ServiceState) -> None:
        """A state a turn created: a later turn of the same sender in this group finds it."""
        if self._rows is not None:
            self._rows[(row.openid, row.name)] = row
