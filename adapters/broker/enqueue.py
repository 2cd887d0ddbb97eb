"""Handing messages to the broker in batches: the ingress's group commits, the relay's deliveries.

What each message carries is the contract's (`events.envelopes`); how many go in one round trip is
the broker's: on Redis all of them (`adapters.broker.redis_waking`), on RabbitMQ one confirmed
publish each.
"""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq
from dramatiq.common import current_millis

from adapters.broker.redis_waking import WakingRedisBroker, enqueue_many
from events.envelopes import bulk_delivery_messages, delivery_messages, event_messages


def enqueue_events(broker: dramatiq.Broker, items: Sequence[tuple[str, int]]) -> None:
    """Enqueue several inbox events (topic, event id) at once: the ingress's group commit hands them
    over together, grouped topics' events several to a message (`events.envelopes.event_messages`).

    An exception means some may not have been sent: the sweeper re-enqueues what stays unprocessed,
    and the workers act once per event.
    """
    enqueue_messages(broker, event_messages(items))


def enqueue_deliveries(broker: dramatiq.Broker, items: Sequence[tuple[int, str]]) -> None:
    """Hand outbound messages (id, channel) to their senders: one broker message per sender actor."""
    enqueue_messages(broker, delivery_messages(items))


def enqueue_bulk_deliveries(broker: dramatiq.Broker, items: Sequence[tuple[int, str]]) -> None:
    """Hand a broadcast's outbound messages to the notify pool, not the reply pool."""
    enqueue_messages(broker, bulk_delivery_messages(items))


def enqueue_deliveries_at(broker: dramatiq.Broker, items: Sequence[tuple[int, str]], at_ms: int) -> None:
    """Hand outbound messages (id, channel) to their senders at `at_ms` (epoch milliseconds), one
    delayed broker message per sender actor: spending batches that collect the swipes of the coming
    minute go out when that minute is over, those ending together in one message."""
    delay = max(0, at_ms - current_millis())
    for message in delivery_messages(items):
        broker.enqueue(message, delay=delay)


def enqueue_messages(broker: dramatiq.Broker, messages: list[dramatiq.Message]) -> None:
    """Enqueue messages; on Redis all of them in one round trip (`adapters.broker.redis_waking`).

    On RabbitMQ each publish waits for its confirm, as `broker.enqueue` does.
    """
    if isinstance(broker, WakingRedisBroker):
        enqueue_many(broker, messages)
        return
    for message in messages:
        broker.enqueue(message)
