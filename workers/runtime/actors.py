"""The dramatiq actors: thin shells that take ids from the queue and call a plain function.

Declared by `declare_actors` (not at import time) so that the broker is always chosen first; the
composition root hands in what they need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage
from sqlalchemy import Engine

from adapters.sms.port import SmsSender
from adapters.wechat.port import WeChatApi
from events.commands import Command
from events.envelopes import MAX_IDS_PER_MESSAGE
from events.errors import PermanentError
from events.topics import EVENT_TOPICS, GROUPED_TOPICS, READ_AHEAD_TOPICS, Topic, event_actor_name
from store.uow import UowFactory
from workers.alerts.process import AlertPorts, process_card_event, process_card_events
from workers.delivery import reply
from workers.delivery.broadcast import plan, send
from workers.money.relay import Relay
from workers.money.wake import RELAY_ACTOR
from workers.runtime.dispatch import DeliverMany, process_event, process_group
from workers.runtime.grouping import GroupRunner
from workers.runtime.read_ahead import ReadAhead
from workers.runtime.registry import handlers as registered_handlers
from workers.runtime.turn import Handler, Ports

Actor = dramatiq.Actor[Any, Any]

EVENT_MAX_RETRIES = 4
DELIVERY_MAX_RETRIES = 8
#: A read-ahead group's size, and how many groups of a process wait on their reads at once.
READ_AHEAD_GROUP_ITEMS = 128
READ_AHEAD_GROUPS = 3
#: How long a read-ahead group waits for more turns before it starts: at 100 queries/s, a few
#: turns a group instead of one, for a wait short beside the card system's own.
READ_AHEAD_LINGER_S = 0.03
#: How long a group of general turns waits for more before it starts: at a few hundred messages a
#: second a group then holds several turns instead of one or two, which halved the general pool's CPU
#: per message in the mix at 200-300/s (its commit, statements and enqueue are paid once a group).
GROUP_LINGER_S = 0.02
#: How long a group of card events waits for more before it starts: a group's statements, commit
#: and enqueue cost the same for one event or sixty, and a spending alert has two seconds.
ALERTS_LINGER_S = 0.03


def _retries() -> int:
    message = CurrentMessage.get_current_message()
    return int(message.options.get("retries", 0)) if message else 0


def declare_actors(broker: dramatiq.Broker, *, uow_factory: UowFactory, ports: Ports, deliver_many: DeliverMany,
                   engine: Engine, wechat: WeChatApi, sms: SmsSender, relay: Relay,
                  alerts: AlertPorts | None = None) -> dict[str, Actor]:
    """Every actor of the platform, bound to `broker`: a pool serves the ones on its queues."""
    actors: dict[str, Actor] = {}
    handlers = registered_handlers()

    for topic in EVENT_TOPICS:
        name = event_actor_name(topic)
        actors[name] = dramatiq.actor(
            actor_name=name, queue_name=topic.value, broker=broker,
            max_retries=EVENT_MAX_RETRIES, min_backoff=300, max_backoff=5_000, time_limit=60_000,
            throws=(PermanentError,),
        )(event_handler(uow_factory, ports, deliver_many, handlers, grouped=topic in GROUPED_TOPICS,
                        read_ahead=topic in READ_AHEAD_TOPICS))

    if alerts is not None:
        name = event_actor_name(Topic.ALERTS)
        actors[name] = dramatiq.actor(
            actor_name=name, queue_name=Topic.ALERTS.value, broker=broker,
            max_retries=EVENT_MAX_RETRIES, min_backoff=300, max_backoff=5_000, time_limit=60_000,
            throws=(PermanentError,),
        )(card_event_handler(uow_factory, alerts))

    def send_outbound(outbound_ids: list[int]) -> None:
        reply.deliver(outbound_ids, engine=engine, wechat=wechat, sms=sms)

    for name, queue in (("send_reply", Topic.REPLY), ("send_sms", Topic.NOTIFY)):
        actors[name] = dramatiq.actor(
            actor_name=name, queue_name=queue.value, broker=broker,
            max_retries=DELIVERY_MAX_RETRIES, min_backoff=500, max_backoff=15_000, time_limit=30_000,
            throws=(PermanentError,),
        )(send_outbound)

    def plan_broadcast(broadcast_id: int) -> None:
        plan.plan(uow_factory, broker, broadcast_id)

    def send_broadcast_chunk(broadcast_id: int, first: str, last: str) -> None:
        send.send_chunk(uow_factory, wechat, ports.notice_template_id, broadcast_id, first, last, ports.web_url)

    for name, fn in (("plan_broadcast", plan_broadcast), ("send_broadcast_chunk", send_broadcast_chunk)):
        actors[name] = dramatiq.actor(
            actor_name=name, queue_name=Topic.NOTIFY.value, broker=broker, max_retries=10, min_backoff=1_000,
            max_backoff=60_000, time_limit=15 * 60_000, throws=(PermanentError,))(fn)

    def relay_orders(order_id: int) -> None:
        relay.drive(order_id)

    # A crash mid-step is not retried by the broker but by the sweep, after the claim's lease.
    actors[RELAY_ACTOR] = dramatiq.actor(
        actor_name=RELAY_ACTOR, queue_name=Topic.TOPUP.value, broker=broker,
        max_retries=2, min_backoff=500, max_backoff=5_000, time_limit=10 * 60_000)(relay_orders)
    return actors


def card_event_handler(uow_factory: UowFactory, alerts: AlertPorts) -> Callable[[list[int]], None]:
    """The actor of the alerts topic: the events of the messages the pool's threads hold meanwhile
    run as one group, in one transaction that reads each holder's state once; when the group cannot
    be kept, each event runs alone, one failing not holding the others."""

    def run_group(event_ids: list[int]) -> list[str | None]:
        outcomes = process_card_events(event_ids, uow=uow_factory(), ports=alerts)
        return [None] * len(event_ids) if outcomes is None else list(outcomes)

    group = GroupRunner(run_group, max_items=MAX_IDS_PER_MESSAGE, linger=ALERTS_LINGER_S)

    def handle(event_ids: list[int]) -> None:
        failure: Exception | None = None
        for event_id, outcome in zip(event_ids, group(event_ids), strict=True):
            if outcome is not None:
                continue
            try:
                process_card_event(event_id, uow=uow_factory(), ports=alerts)
            except Exception as exc:  # the retry finds the others processed and skips them
                failure = failure or exc
        if failure is not None:
            raise failure

    return handle


def event_handler(uow_factory: UowFactory, ports: Ports, deliver_many: DeliverMany,
                  handlers: Mapping[type[Command], Handler], *, grouped: bool,
                  read_ahead: bool = False) -> Callable[[list[int]], None]:
    """The actor of one event topic: its events' turns, in groups where the topic allows it."""
    group: GroupRunner[int, str | None] | None = None
    if read_ahead:  # groups wait on outside reads: several at a time, each of any size
        group = GroupRunner(ReadAhead(ports, handlers, deliver_many, uow_factory),
                            max_items=READ_AHEAD_GROUP_ITEMS, concurrent=READ_AHEAD_GROUPS,
                            linger=READ_AHEAD_LINGER_S)
    elif grouped:
        group = GroupRunner(lambda event_ids: process_group(
            event_ids, uow=uow_factory(), ports=ports, handlers=handlers, deliver=deliver_many),
            max_items=MAX_IDS_PER_MESSAGE, linger=GROUP_LINGER_S)

    def handle(event_ids: list[int]) -> None:
        outcomes = group(event_ids) if group is not None else [None] * len(event_ids)
        failure: Exception | None = None
        for event_id, outcome in zip(event_ids, outcomes, strict=True):
            if outcome is not None:
                continue
            try:  # on its own: retried by the broker, apologised for on the last attempt
                process_event(event_id, uow=uow_factory(), ports=ports, handlers=handlers,
                              deliver=deliver_many, last_attempt=_retries() >= EVENT_MAX_RETRIES)
            except Exception as exc:  # the message's other events still run now; the retry skips them
                if failure is None or isinstance(failure, PermanentError):  # one that is retried wins
                    failure = exc
        if failure is not None:
            raise failure

    return handle
