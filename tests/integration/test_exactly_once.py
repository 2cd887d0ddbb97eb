"""Exactly once, whatever the broker does: redelivered events act once, lost ones are swept up."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import pytest
from sqlalchemy import func, select

from adapters.wechat.callbacks import text_xml
from events.commands import Command, Help
from events.errors import TransientError
from events.messages import InboundMessage, to_message
from events.routing import route
from events.topics import Topic
from ingress.parse import parse_xml
from onecard.scheduler import run_scheduler
from store.inbox import store_once
from store.tables import Follower, InboxEvent, OutboundMessage
from tests.harness import Stack, new_openid
from workers.runtime.actors import inbox_actor
from workers.runtime.pipeline import Pipeline
from workers.runtime.turn import Handler, Ports, Turn
from workers.runtime.turns import WeChatTurns
from workers.topics import all_handlers as registered_handlers


def turns(stack: Stack, handlers: Mapping[type[Command], Handler] | None = None,
          delivered: list[int] | None = None) -> Pipeline[Ports]:
    """The inbox pipeline of WeChat turns, as a pool runs it; `delivered` collects the replies handed on."""
    sink = delivered if delivered is not None else []
    source = WeChatTurns(stack.platform.ports, handlers or registered_handlers(),
                         lambda items: sink.extend(i for i, _ in items))
    return Pipeline(source, stack.platform.uow)


def _store(stack: Stack, openid: str, text: str) -> tuple[int, InboundMessage]:
    xml = text_xml(openid, text)
    stack.heard(xml)  # WeChat saw the message: the user may be answered
    message = to_message(parse_xml(xml.encode()))
    routed = route(message)
    assert routed is not None
    event_id = store_once(stack.platform.engine, message, routed.topic.value)
    assert event_id is not None
    return event_id, message


def test_an_event_delivered_twice_is_handled_once(stack: Stack) -> None:
    openid = new_openid()
    event_id, _message = _store(stack, openid, "帮助")
    delivered: list[int] = []
    outcomes = [turns(stack, delivered=delivered).process_one(event_id) for _ in range(2)]
    assert outcomes == ["handled", "duplicate"]
    with stack.platform.uow() as uow:
        replies = uow.session.execute(
            select(func.count()).where(OutboundMessage.event_id == event_id)
        ).scalar_one()
    assert replies == 1 and len(delivered) == 1


def test_concurrent_deliveries_of_one_event_answer_once(stack: Stack) -> None:
    openid = new_openid()
    event_id, _message = _store(stack, openid, "帮助")
    pipeline = turns(stack)
    outcomes: list[str] = []

    def worker() -> None:
        outcomes.append(pipeline.process_one(event_id))

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


def _group(stack: Stack, event_ids: list[int], handlers: Mapping[type[Command], Handler] | None = None,
           delivered: list[int] | None = None) -> list[str | None]:
    return turns(stack, handlers, delivered).process_group(event_ids)


def _replies_to(stack: Stack, event_ids: list[int]) -> list[str]:
    with stack.platform.uow() as uow:
        return list(uow.session.execute(
            select(OutboundMessage.body).where(OutboundMessage.event_id.in_(event_ids)).order_by(OutboundMessage.id)
        ).scalars())


def test_a_group_of_turns_commits_together_and_each_is_answered_once(stack: Stack) -> None:
    first, second = new_openid(), new_openid()
    ids = [_store(stack, openid, text)[0] for openid, text in ((first, "帮助"), (second, "你好"), (first, "帮助"))]
    delivered: list[int] = []

    assert _group(stack, ids, delivered=delivered) == ["handled"] * 3
    assert _group(stack, ids) == ["duplicate"] * 3  # redelivered: nothing runs twice

    replies = _replies_to(stack, ids)
    assert len(replies) == 3 and len(delivered) == 3 and replies[1].startswith("没看懂“你好”")
    with stack.platform.uow() as uow:
        statuses = uow.session.execute(select(InboxEvent.status).where(InboxEvent.id.in_(ids))).scalars().all()
        followers = uow.session.execute(
            select(func.count()).select_from(Follower).where(Follower.openid.in_([first, second]))).scalar_one()
    assert statuses == ["processed"] * 3 and followers == 2


def test_a_group_skips_what_was_processed_and_an_event_handed_in_twice(stack: Stack) -> None:
    done, fresh = (_store(stack, new_openid(), "帮助")[0] for _ in range(2))
    assert _group(stack, [done]) == ["handled"]  # a group of one is a group

    assert _group(stack, [done, fresh, fresh]) == ["duplicate", "handled", "duplicate"]
    assert len(_replies_to(stack, [done, fresh])) == 2


def test_a_failing_turn_sends_its_whole_group_back_to_run_one_by_one(stack: Stack) -> None:
    ids = [_store(stack, new_openid(), "帮助")[0] for _ in range(3)]
    calls: list[int] = []

    def flaky(command: Command, turn: Turn) -> None:
        calls.append(turn.event_id)
        if turn.event_id == ids[1]:
            raise TransientError("card system busy")
        turn.say("ok")

    handlers = {**registered_handlers(), Help: flaky}

    assert _group(stack, ids, handlers) == [None, None, None]
    assert calls == ids[:2] and _replies_to(stack, ids) == []  # rolled back: nothing half-kept
    outcomes = []
    for event_id in ids:
        try:
            outcomes.append(turns(stack, handlers).process_one(event_id))
        except TransientError:
            outcomes.append("retry")
    assert outcomes == ["handled", "retry", "handled"]
    assert _replies_to(stack, ids) == ["ok", "ok"]


def test_a_grouped_message_runs_all_its_events_before_raising_the_first_failure(stack: Stack) -> None:
    """The event actor of the general topic: the group falls back, one event fails, the others are
    answered now and the broker's retry (the raised error) finds only the failed one."""
    ids = [_store(stack, new_openid(), "帮助")[0] for _ in range(3)]

    def flaky(command: Command, turn: Turn) -> None:
        if turn.event_id == ids[0]:
            raise TransientError("card system busy")
        turn.say("ok")

    handle = inbox_actor(turns(stack, {**registered_handlers(), Help: flaky}), Topic.GENERAL)

    with pytest.raises(TransientError):
        handle(ids)

    with stack.platform.uow() as uow:
        rows = uow.session.execute(select(InboxEvent.id, InboxEvent.status).where(InboxEvent.id.in_(ids)))
        statuses = {event_id: status for event_id, status in rows}
    assert [statuses[i] for i in ids] == ["received", "processed", "processed"]
    assert _replies_to(stack, ids) == ["ok", "ok"]
