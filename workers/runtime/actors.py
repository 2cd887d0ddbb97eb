"""The dramatiq actors: thin shells that take an id from the queue and call a plain function.

Declared by `declare_actors` (not at import time) so that the broker is always chosen first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import dramatiq
from dramatiq.middleware import CurrentMessage

from events.broker import MAX_IDS_PER_MESSAGE
from events.commands import Command
from events.errors import PermanentError
from events.topics import EVENT_TOPICS, GROUPED_TOPICS, Topic, event_actor_name
from workers import service_handlers
from workers.delivery import reply
from workers.delivery.broadcast.actors import declare_broadcast_actors
from workers.money.actor import declare_relay_actor
from workers.runtime.dispatch import process_event, process_group
from workers.runtime.grouping import GroupRunner
from workers.runtime.turn import Handler
from workers.topics import balance, bind, general, topup

if TYPE_CHECKING:
    from onecard.bootstrap import Platform

#: Which handlers each topic's pool runs. A topic without handlers yet has an empty table.
TOPIC_HANDLERS: dict[Topic, Mapping[type[Command], Handler]] = {
    Topic.BIND: bind.HANDLERS,
    Topic.QUERY: balance.HANDLERS,
    Topic.GENERAL: general.HANDLERS,
    Topic.TOPUP: topup.HANDLERS,
}
# The self-service functions (issue 5) add their handlers to the bind, query and general tables.
TOPIC_HANDLERS.update({t: service_handlers.merged(t, h) for t, h in TOPIC_HANDLERS.items()})

EVENT_MAX_RETRIES = 4
DELIVERY_MAX_RETRIES = 8


def _retries() -> int:
    message = CurrentMessage.get_current_message()
    return int(message.options.get("retries", 0)) if message else 0


def declare_actors(platform: Platform) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    broker = platform.broker
    actors: dict[str, dramatiq.Actor] = {}  # type: ignore[type-arg]

    for topic in EVENT_TOPICS:
        name = event_actor_name(topic)
        actors[name] = dramatiq.actor(
            _event_handler(platform, TOPIC_HANDLERS[topic], grouped=topic in GROUPED_TOPICS),
            actor_name=name, queue_name=topic.value, broker=broker,
            max_retries=EVENT_MAX_RETRIES, min_backoff=300, max_backoff=5_000, time_limit=60_000,
            throws=(PermanentError,),
        )

    def send(outbound_ids: list[int]) -> None:
        reply.deliver(outbound_ids, engine=platform.engine, wechat=platform.wechat, sms=platform.sms)

    for name, queue in (("send_reply", Topic.REPLY), ("send_sms", Topic.NOTIFY)):
        actors[name] = dramatiq.actor(
            send, actor_name=name, queue_name=queue.value, broker=broker,
            max_retries=DELIVERY_MAX_RETRIES, min_backoff=500, max_backoff=15_000, time_limit=30_000,
            throws=(PermanentError,),
        )
    actors.update(declare_broadcast_actors(platform))
    actors.update(declare_relay_actor(platform))
    return actors


def _event_handler(platform: Platform, handlers: Mapping[type[Command], Handler], *,
                   grouped: bool) -> Callable[[list[int]], None]:
    """The actor of one event topic: its events' turns, in groups where the topic allows it."""
    group: GroupRunner[int, str | None] | None = None
    if grouped:
        group = GroupRunner(lambda event_ids: process_group(
            event_ids, uow=platform.uow(), ports=platform.ports, handlers=handlers, deliver=platform.deliver_many),
            max_items=MAX_IDS_PER_MESSAGE)

    def handle(event_ids: list[int]) -> None:
        outcomes = group(event_ids) if group is not None else [None] * len(event_ids)
        failure: Exception | None = None
        for event_id, outcome in zip(event_ids, outcomes, strict=True):
            if outcome is not None:
                continue
            try:  # on its own: retried by the broker, apologised for on the last attempt
                process_event(event_id, uow=platform.uow(), ports=platform.ports, handlers=handlers,
                              deliver=platform.deliver_many, last_attempt=_retries() >= EVENT_MAX_RETRIES)
            except Exception as exc:  # the message's other events still run now; the retry skips them
                if failure is None or isinstance(failure, PermanentError):  # one that is retried wins
                    failure = exc
        if failure is not None:
            raise failure

    return handle
