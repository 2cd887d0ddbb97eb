"""Every actor is declared once, on the queue its pool serves, before any process starts."""

from __future__ import annotations

from unittest import mock

from dramatiq.brokers.stub import StubBroker

from events.topics import EVENT_TOPICS, Topic, event_actor_name
from workers.money.wake import RELAY_ACTOR
from workers.runtime.actors import declare_actors


def test_every_actor_is_declared_on_its_topics_queue() -> None:
    broker = StubBroker()
    actors = declare_actors(broker, uow_factory=mock.Mock(), ports=mock.Mock(), deliver_many=mock.Mock(),
                            deliver_bulk=mock.Mock(), senders=mock.Mock(), relay=mock.Mock())
    queues = {name: actor.queue_name for name, actor in actors.items()}
    assert queues == {
        **{event_actor_name(topic): topic.value for topic in EVENT_TOPICS},
        "send_reply": Topic.REPLY.value, "send_sms": Topic.NOTIFY.value, "send_bulk": Topic.NOTIFY.value,
        "plan_broadcast": Topic.NOTIFY.value,
        RELAY_ACTOR: Topic.TOPUP.value,
    }
    assert set(broker.get_declared_actors()) == set(actors)
