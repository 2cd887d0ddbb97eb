"""`onecard simulate-day` against the card simulator, at a speed that replays the day in seconds."""

from __future__ import annotations

from adapters.cardsystem.simulator.campus_day import plan
from onecard.simulate_day import holders, simulate_day
from tests.harness import Stack


def test_a_day_is_replayed_on_the_ledger_with_every_swipe_accepted(stack: Stack) -> None:
    outcome = simulate_day(stack.simulator_url, holders_count=25, speed=30_000)
    assert outcome == {"swiped": len(plan(holders(25))), "refused": 0}
    lines = stack.simulators.card.ledger.lines("SIM000001")
    assert lines is not None and lines and all(line.amount_fen < 0 for line in lines)
