"""The dramatiq actors: thin shells that take ids from the queue and call a plain function.

Declared by `declare_actors` (not at import time) so that the broker is always chosen first; the
composition root hands in what they need.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from events.envelopes import BULK_ACTOR, MAX_IDS_PER_MESSAGE
from events.errors import PermanentError
from events.topics import EVENT_TOPICS, GROUPED_TOPICS, READ_AHEAD_TOPICS, Topic, event_actor_name
from store.inbox import WECHAT, WECHATPAY
from store.uow import UowFactory
from workers.alerts.process import AlertPorts, CardEvents
from workers.delivery import reply
from workers.delivery.broadcast import plan
from workers.money.notices import PaymentNotices
from workers.money.relay import Relay
from workers.money.wake import RELAY_ACTOR
from workers.runtime.by_source import BySource
from workers.runtime.grouping import GroupRunner
from workers.runtime.pipeline import Pipeline, Source
from workers.runtime.read_ahead import ReadAhead
from workers.runtime.reads import declarations
from workers.runtime.turn import Ports
from workers.runtime.turns import DeliverMany, WeChatTurns
from workers.topics import all_handlers as registered_handlers

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
                   deliver_bulk: DeliverMany, senders: reply.Senders, relay: Relay,
                   alerts: AlertPorts | None = None) -> dict[str, Actor]:
    """Every actor of the platform, bound to `broker`: a pool serves the ones on its queues."""
    actors: dict[str, Actor] = {}
    handlers = registered_handlers()
    sources: dict[Topic, Source[Any]] = {
        topic: WeChatTurns(ports, handlers, deliver_many,
                           ReadAhead(ports, declarations(), uow_factory) if topic in READ_AHEAD_TOPICS else None)
        for topic in EVENT_TOPICS}
    # The money pool's topic carries the users' top-up turns and WeChat Pay's notifications.
    sources[Topic.TOPUP] = BySource({WECHAT: sources[Topic.TOPUP],
                                     WECHATPAY: PaymentNotices(lambda order_id: relay.wake(order_id, 0.0))},
                                    uow_factory)
    if alerts is not None:
        sources[Topic.ALERTS] = CardEvents(alerts)

    for topic, source in sources.items():
        name = event_actor_name(topic)
        actors[name] = dramatiq.actor(
            actor_name=name, queue_name=topic.value, broker=broker,
            max_retries=EVENT_MAX_RETRIES, min_backoff=300, max_backoff=5_000, time_limit=60_000,
            throws=(PermanentError,),
        )(inbox_actor(Pipeline(source, uow_factory), topic))

    def send_outbound(outbound_ids: list[int]) -> None:
        reply.deliver(outbound_ids, senders)

    for name, queue in (("send_reply", Topic.REPLY), ("send_sms", Topic.NOTIFY), (BULK_ACTOR[1], BULK_ACTOR[0])):
        actors[name] = dramatiq.actor(
            actor_name=name, queue_name=queue.value, broker=broker,
            max_retries=DELIVERY_MAX_RETRIES, min_backoff=500, max_backoff=15_000, time_limit=30_000,
            throws=(PermanentError,),
        )(send_outbound)

    def plan_broadcast(broadcast_id: int) -> None:
        """Each page's messages go to the reply worker like every other notice's."""
        plan.plan(uow_factory, deliver_bulk, broadcast_id, ports.web_url)

    actors["plan_broadcast"] = dramatiq.actor(
        actor_name="plan_broadcast", queue_name=Topic.NOTIFY.value, broker=broker, max_retries=10, min_backoff=1_000,
        max_backoff=60_000, time_limit=15 * 60_000, throws=(PermanentError,))(plan_broadcast)

    def relay_orders(order_id: int) -> None:
        relay.drive(order_id)

    # A crash mid-step is not retried by the broker but by the sweep, after the claim's lease.
    actors[RELAY_ACTOR] = dramatiq.actor(
        actor_name=RELAY_ACTOR, queue_name=Topic.TOPUP.value, broker=broker,
        max_retries=2, min_backoff=500, max_backoff=5_000, time_limit=10 * 60_000)(relay_orders)
    return actors


def inbox_actor(pipeline: Pipeline[Any], topic: Topic) -> Callable[[list[int]], None]:
    """The actor of one inbox topic: its events in groups where the topic allows it, then each event
    a group could not keep on its own (retried by the broker, given up on at the last attempt)."""
    group: GroupRunner[int, str | None] | None = None
    if topic in READ_AHEAD_TOPICS:  # groups wait on outside reads: several at a time, each of any size
        group = GroupRunner(pipeline.process_group, max_items=READ_AHEAD_GROUP_ITEMS, concurrent=READ_AHEAD_GROUPS,
                            linger=READ_AHEAD_LINGER_S)
    elif topic in GROUPED_TOPICS:
        group = GroupRunner(pipeline.process_group, max_items=MAX_IDS_PER_MESSAGE,
                            linger=ALERTS_LINGER_S if topic is Topic.ALERTS else GROUP_LINGER_S)

    def handle(event_ids: list[int]) -> None:
        outcomes = group(event_ids) if group is not None else [None] * len(event_ids)
        failure: Exception | None = None
        for event_id, outcome in zip(event_ids, outcomes, strict=True):
            if outcome is not None:
                continue
            try:
                pipeline.process_one(event_id, last_attempt=_retries() >= EVENT_MAX_RETRIES)
            except Exception as exc:  # the message's other events still run now; the retry skips them
                if failure is None or isinstance(failure, PermanentError):  # one that is retried wins
                    failure = exc
        if failure is not None:
            raise failure

    return handle
