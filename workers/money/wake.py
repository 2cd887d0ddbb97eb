"""Wake the relay through the broker without importing the actor (ingress and scheduler do not declare it)."""

from __future__ import annotations

import dramatiq

from events.topics import Topic

RELAY_ACTOR = "relay_orders"


def enqueue_relay(broker: dramatiq.Broker, order_id: int, delay_seconds: float = 0.0) -> None:
    message: dramatiq.Message = dramatiq.Message(
        queue_name=Topic.TOPUP.value, actor_name=RELAY_ACTOR, args=(order_id,), kwargs={}, options={})
    broker.enqueue(message, delay=int(delay_seconds * 1000) or None)
