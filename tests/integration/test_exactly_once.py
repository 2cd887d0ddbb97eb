"""Exactly once, whatever the broker does: redelivered events act once, lost ones are swept up."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from adapters.wechat.callbacks import text_xml
from events.messages import InboundMessage
from events.routing import route
from ingress.parse import parse_xml, to_message
from onecard.scheduler import run_scheduler
from store.inbox import store_once
from store.models import InboxEvent, OutboundMessage
from tests.harness import Stack, new_openid
from workers.actors import TOPIC_HANDLERS
from workers.dispatch import process_event


def _store(stack: Stack, openid: str, text: str) -> tuple[int, InboundMessage]:
    message = to_message(parse_xml(text_xml(openid, text).encode()))
    routed = route(message)
    assert routed is not None
    event_id = store_once(stack.platform.engine, message, routed.topic.value)
    assert event_id is not None
    return event_id, message


def test_an_event_delivered_twice_is_handled_once(stack: Stack) -> None:
    openid = new_openid()
    event_id, message = _store(stack, openid, "帮助")
    topic = route(message).topic  # type: ignore[union-attr]
    delivered: list[int] = []
    outcomes = [
        process_event(event_id, uow=stack.platform.uow(), ports=stack.platform.ports,
                      handlers=TOPIC_HANDLERS[topic], deliver=lambda i, _c: delivered.append(i))
        for _ in range(2)
    ]
    assert outcomes == ["handled", "duplicate"]
    with stack.platform.uow() as uow:
        replies = uow.session.execute(
            select(func.count()).where(OutboundMessage.event_id == event_id)
        ).scalar_one()
    assert replies == 1 and len(delivered) == 1


def test_concurrent_deliveries_of_one_event_answer_once(stack: Stack) -> None:
    openid = new_openid()
    event_id, message = _store(stack, openid, "帮助")
    handlers = TOPIC_HANDLERS[route(message).topic]  # type: ignore[union-attr]
    outcomes: list[str] = []

    def worker() -> None:
        outcomes.append(process_event(event_id, uow=stack.platform.uow(), ports=stack.platform.ports,
                                      handlers=handlers, deliver=lambda *_: None))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate"] * 3 + ["handled"]


def test_an_event_stored_but_never_enqueued_is_answered_after_the_sweep(live: Stack) -> None:
    """The ingress died between the inbox insert and the enqueue: the scheduler's sweeper delivers it."""
    openid = new_openid()
    event_id, _ = _store(live, openid, "余额")  # stored, deliberately not enqueued
    stop = threading.Event()
    scheduler = threading.Thread(target=run_scheduler, args=(live.platform, stop), daemon=True)
    scheduler.start()
    try:
        assert "还未绑定" in live.replies(openid, 1, timeout=30)[0]
    finally:
        stop.set()
        scheduler.join(timeout=10)
    with live.platform.uow() as uow:
        event = uow.session.get_one(InboxEvent, event_id)
        assert (event.status, event.redeliveries >= 1) == ("processed", True)
    time.sleep(1)
    assert len(live.sent_to(openid)) == 1
