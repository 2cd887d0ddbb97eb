"""What a broker message on a topic carries: which actor, which ids, and how many at most.

The contract between whoever enqueues and the workers, with no broker in it: `adapters.broker`
sends these messages, the workers' actors take them. Built here so that the ingress and the relay
can hand work over without importing the worker code.
"""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq

from events.topics import GROUPED_TOPICS, Topic, event_actor_name

#: The most ids one message carries: a group commit's worth, and a turn group a worker can hold.
MAX_IDS_PER_MESSAGE = 64

#: Outbound messages are delivered by channel: WeChat replies by the reply pool, SMS by notify.
DELIVERY_ACTORS: dict[str, tuple[Topic, str]] = {
    "wechat": (Topic.REPLY, "send_reply"),
    "sms": (Topic.NOTIFY, "send_sms"),
    "template": (Topic.REPLY, "send_reply"),
}


def event_message(topic: Topic | str, event_ids: Sequence[int]) -> dramatiq.Message:
    """The message that hands inbox events to their topic's pool, without importing the worker code."""
    return dramatiq.Message(queue_name=Topic(topic).value, actor_name=event_actor_name(topic),
                            args=(list(event_ids),), kwargs={}, options={})


def event_messages(items: Sequence[tuple[str, int]]) -> list[dramatiq.Message]:
    """The messages for several inbox events (topic, event id) handed over together.

    A grouped topic's events travel as one message (its worker runs their turns together), so a
    busy ingress costs the broker and that pool a fraction of a message per event; other topics get
    one message per event, for their threads to run side by side.
    """
    by_topic: dict[Topic, list[int]] = {}
    for topic, event_id in items:
        by_topic.setdefault(Topic(topic), []).append(event_id)
    return [
        event_message(topic, chunk) for topic, ids in by_topic.items()
        for chunk in (chunks(ids) if topic in GROUPED_TOPICS else [[event_id] for event_id in ids])
    ]


def delivery_messages(items: Sequence[tuple[int, str]]) -> list[dramatiq.Message]:
    """The messages that hand outbound messages (id, channel) to their senders: one per sender actor
    and `MAX_IDS_PER_MESSAGE` ids."""
    by_actor: dict[tuple[Topic, str], list[int]] = {}
    for outbound_id, channel in items:
        by_actor.setdefault(DELIVERY_ACTORS[channel], []).append(outbound_id)
    return [
        dramatiq.Message(queue_name=topic.value, actor_name=actor_name, args=(chunk,), kwargs={}, options={})
        for (topic, actor_name), ids in by_actor.items() for chunk in chunks(ids)
    ]


#: Messages to many users at once (a broadcast's pages): sent by the notify pool, so a broadcast to
#: tens of thousands never queues ahead of the replies students wait for.
BULK_ACTOR = (Topic.NOTIFY, "send_bulk")


def bulk_delivery_messages(items: Sequence[tuple[int, str]]) -> list[dramatiq.Message]:
    """`delivery_messages` for messages to many users, all to `BULK_ACTOR`."""
    topic, actor_name = BULK_ACTOR
    return [dramatiq.Message(queue_name=topic.value, actor_name=actor_name, args=(chunk,), kwargs={}, options={})
            for chunk in chunks([outbound_id for outbound_id, _ in items])]


def chunks(ids: list[int]) -> list[list[int]]:
    """`ids` cut into pieces of at most `MAX_IDS_PER_MESSAGE`, in order."""
    return [ids[i:i + MAX_IDS_PER_MESSAGE] for i in range(0, len(ids), MAX_IDS_PER_MESSAGE)]
