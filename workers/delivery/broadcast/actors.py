"""The notify pool's broadcast actors: plan a broadcast in pages, send one page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dramatiq

from events.errors import PermanentError
from events.topics import Topic
from workers.delivery.broadcast import plan, send

if TYPE_CHECKING:
    from onecard.bootstrap import Platform


def declare_broadcast_actors(platform: Platform) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    def plan_broadcast(broadcast_id: int) -> None:
        plan.plan(platform, broadcast_id)

    def send_broadcast_chunk(broadcast_id: int, first: str, last: str) -> None:
        send.send_chunk(platform, broadcast_id, first, last)

    options = {"queue_name": Topic.NOTIFY.value, "broker": platform.broker, "max_retries": 10,
               "min_backoff": 1_000, "max_backoff": 60_000, "time_limit": 15 * 60_000, "throws": (PermanentError,)}
    return {
        "plan_broadcast": dramatiq.actor(plan_broadcast, actor_name="plan_broadcast", **options),
        "send_broadcast_chunk": dramatiq.actor(send_broadcast_chunk, actor_name="send_broadcast_chunk", **options),
    }
