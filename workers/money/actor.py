"""The relay's dramatiq actor on the topup queue: a thin shell around `Relay.drive`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dramatiq

from events.topics import Topic
from workers.money.wake import RELAY_ACTOR

if TYPE_CHECKING:
    from onecard.bootstrap import Platform


def declare_relay_actor(platform: Platform) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    relay = platform.relay()

    def relay_orders(order_id: int) -> None:
        relay.drive(order_id)

    # A crash mid-step is not retried by the broker but by the sweep, after the claim's lease.
    actor = dramatiq.actor(relay_orders, actor_name=RELAY_ACTOR, queue_name=Topic.TOPUP.value,
                           broker=platform.broker, max_retries=2, min_backoff=500, max_backoff=5_000,
                           time_limit=10 * 60_000)
    return {RELAY_ACTOR: actor}
