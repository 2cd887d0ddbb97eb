"""What the broker and the database guarantee when processes die: nothing lost, nothing twice.

Runs on every configuration: the embedded Redis and a Redis server recover a dead worker's
messages by heartbeat; RabbitMQ returns them when the connection drops.
"""

from __future__ import annotations

import signal
import time

import dramatiq
import pytest

from adapters.broker.stats import queue_depth
from adapters.wechat.callbacks import text_xml
from events.messages import to_message
from events.routing import route
from ingress.parse import parse_xml
from store.inbox import store_once
from store.tables import InboxEvent
from tests.harness import Stack, calls_arriving
from tests.processes import onecard, wait_until


def assert_still_one_reply(stack: Stack, openid: str, timeout: float = 30.0) -> str:
    """The one reply `openid` got, once nothing more can reach it (a duplicate would come from what was open)."""
    assert wait_until(lambda: stack.settled(openid), timeout=timeout), f"{openid}'s messages did not settle"
    texts = [m["content"] for m in stack.sent_to(openid)]
    assert len(texts) == 1, texts
    return texts[0]


def test_a_worker_killed_mid_message_loses_nothing_and_the_user_gets_one_reply(
        ops: Stack, openid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ops.start_workers("reply", "notify", name="ops-delivery")
    ops.card_faults(latency_ms=5000)
    card_calls = calls_arriving(ops.simulators.card.faults, monkeypatch)
    doomed = ops.start_workers("bind", threads=1, name="ops-doomed")
    since = len(ops.sms_to("13800000001"))

    ops.say(openid, "绑定 20240001")
    assert wait_until(lambda: queue_depth(ops.platform.broker, "bind").ready == 0), "the message was not taken"
    assert wait_until(lambda: card_calls), "the worker did not call the card system"  # and waits on it now
    doomed.stop(signal.SIGKILL)
    ops.card_faults(latency_ms=0)
    assert ops.sent_to(openid) == []

    ops.start_workers("bind", name="ops-rescuer")
    assert "验证码已发送" in ops.replies(openid, 1, timeout=40)[0]
    assert "验证码已发送" in assert_still_one_reply(ops, openid)
    assert len(ops.sms_to("13800000001")) == since + 1


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(ops: Stack) -> None:
    before = queue_depth(ops.platform.broker, "general").dead
    ops.start_workers("general", name="ops-dlq")
    # An event message without its id: the actor raises on every attempt.
    ops.platform.broker.enqueue(dramatiq.Message(queue_name="general", actor_name="handle_general_event",
                                                 args=(), kwargs={}, options={"max_retries": 0}))
    assert wait_until(lambda: queue_depth(ops.platform.broker, "general").dead == before + 1), "no dead letter"
    assert queue_depth(ops.platform.broker, "general").ready == 0


def test_an_event_stored_but_never_enqueued_is_delivered_by_the_scheduler_once(ops: Stack, openid: str) -> None:
    ops.start_workers(name="ops-sweep-workers")
    # The ingress stored the callback, then the broker lost the enqueue.
    xml = text_xml(openid, "帮助")
    ops.heard(xml)  # WeChat saw the message: the user may be answered
    message = to_message(parse_xml(xml))
    routed = route(message)
    assert routed is not None
    event_id = store_once(ops.platform.engine, message, routed.topic.value)
    assert event_id is not None
    time.sleep(1.0)
    assert ops.sent_to(openid) == []  # no one else delivers it

    scheduler = onecard(ops, "scheduler", name="ops-scheduler")
    try:
        ops.replies(openid, 1, timeout=30)
        assert_still_one_reply(ops, openid)
    finally:
        assert scheduler.stop() == 0
    with ops.platform.uow() as uow:
        event = uow.session.get_one(InboxEvent, event_id)
        assert (event.status, event.redeliveries) == ("processed", 1)
