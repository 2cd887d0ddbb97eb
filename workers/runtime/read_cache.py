"""Card-system reads remembered across the re-runs of one turn.

On SQLite a turn that read the database and then waited on the card system (a 200 ms balance
query, say) loses the writer race whenever the ingress committed meanwhile — under steady traffic,
nearly always — and is run again; calling the card system again each time made it lose again and
again (measured by `make bench`: balance answers took 20 s at 20 queries/s). Re-runs of the same
turn a few milliseconds later reuse the first answer instead. Only reads are remembered; anything
else (a top-up, a reversal) goes through every time.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from workers.runtime.turn import Ports

#: Card-system methods that only read, and may be answered from the turn's first call.
READS = frozenset({"find_holder", "balance_fen"})


class RememberedReads:
    """Wraps a CardSystem; `READS` are answered once per argument, everything else passes through."""

    def __init__(self, card: Any) -> None:
        self._card = card
        self._answers: dict[tuple[str, tuple[Any, ...]], Any] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._card, name)
        if name not in READS:
            return method

        def remembered(*args: Any) -> Any:
            key = (name, args)
            if key not in self._answers:
                self._answers[key] = method(*args)
            return self._answers[key]

        return remembered


def for_one_turn(ports: Ports) -> Ports:
    """The same ports, with card reads remembered for the re-runs of this turn only."""
    return dataclasses.replace(ports, card=RememberedReads(ports.card))
