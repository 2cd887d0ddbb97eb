"""Query turns in groups: the declared card-system reads of a group are asked side by side, then the
turns run once and commit together; a turn whose read fails runs alone instead."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import func, select, update

from adapters.cardsystem.demo import DemoHolder
from events.commands import Command, QueryBalance
from store.tables import Binding, InboxEvent, OutboundMessage, utcnow
from tests.harness import Stack, new_openid
from tests.integration.test_exactly_once import _replies_to, _store
from workers.runtime import reads
from workers.runtime.pipeline import Pipeline
from workers.runtime.read_ahead import ReadAhead
from workers.runtime.turn import Ports
from workers.runtime.turns import WeChatTurns
from workers.topics import all_handlers as registered_handlers

LATENCY_MS = 200


def _bound(stack: Stack, count: int) -> list[tuple[str, int]]:
    """`count` new bound users (openid, balance in fen), each with a card of their own."""
    users = []
    card = stack.simulators.card
    with stack.platform.uow() as uow:
        for _ in range(count):
            openid = new_openid()
            student_no = f"ra{openid[-10:]}"
            holder = DemoHolder(student_no, "测试", "13700000000", f"69{openid[-8:]}", 1234)
            card.add_holder(holder)
            uow.session.add(Binding(openid=openid, student_no=student_no, name="测试", phone=holder.phone,
                                    bound_at=utcnow()))
            users.append((openid, holder.balance_fen))
        uow.commit()
    return users


@pytest.fixture
def slow_card(stack: Stack) -> Iterator[None]:
    stack.card_faults(latency_ms=LATENCY_MS)
    try:
        yield
    finally:
        stack.card_faults(latency_ms=0, error_rate=0.0)


def _read_ahead(stack: Stack, declared: Mapping[type[Command], reads.Declare] | None = None,
                delivered: list[int] | None = None, stage: type[ReadAhead] = ReadAhead) -> Pipeline[Ports]:
    """The query pool's pipeline: the read-ahead stage, then the group's one transaction."""
    sink = delivered if delivered is not None else []
    ports = stack.platform.ports
    read_ahead = stage(ports, declared if declared is not None else reads.declarations(), stack.platform.uow)
    source = WeChatTurns(ports, registered_handlers(), lambda items: sink.extend(i for i, _ in items), read_ahead)
    return Pipeline(source, stack.platform.uow)


def test_a_groups_card_reads_overlap_and_its_turns_commit_together_once(stack: Stack, slow_card: None) -> None:
    users = _bound(stack, 12)
    ids = [_store(stack, openid, "余额")[0] for openid, _ in users]
    unbound = _store(stack, new_openid(), "余额")[0]  # asks nothing outside, in the same group
    delivered: list[int] = []
    group = _read_ahead(stack, delivered=delivered)

    started = time.monotonic()
    outcomes = group.process_group([*ids, unbound])
    took = time.monotonic() - started

    assert outcomes == ["handled"] * 13
    assert took < 12 * LATENCY_MS / 1000 / 2  # one after another would take 2.4 s
    replies = _replies_to(stack, [*ids, unbound])
    assert len(replies) == 13 and len(delivered) == 13 and all("12.34" in r for r in replies[:12])
    assert "还未绑定" in replies[12]
    assert group.process_group([*ids, unbound]) == ["duplicate"] * 13  # redelivered: nothing runs twice
    with stack.platform.uow() as uow:
        processed = uow.session.execute(select(func.count()).where(
            InboxEvent.id.in_(ids), InboxEvent.status == "processed")).scalar_one()
        replies_now = uow.session.execute(select(func.count()).where(
            OutboundMessage.event_id.in_(ids))).scalar_one()
    assert processed == 12 and replies_now == 12


def test_a_turn_whose_read_fails_runs_alone_and_the_rest_go_on(stack: Stack) -> None:
    (failing, _), (fine, _) = _bound(stack, 2)
    with stack.platform.uow() as uow:
        failing_no = uow.session.get_one(Binding, failing).student_no

    def balance(command: Command, ahead: reads.Ahead) -> None:
        # the simulator answers 404 for an unknown student: an error, met again when it runs alone
        ahead.card.balance_fen("no-such-student" if ahead.student_no == failing_no else ahead.student_no)

    ids = [_store(stack, openid, "余额")[0] for openid in (failing, fine)]
    outcomes = _read_ahead(stack, {QueryBalance: balance}).process_group(ids)

    assert outcomes == [None, "handled"]  # None: the actor runs it with `process_one`
    replies = _replies_to(stack, ids)
    assert len(replies) == 1 and "12.34" in replies[0]
    with stack.platform.uow() as uow:
        statuses = uow.session.execute(select(InboxEvent.status).where(InboxEvent.id.in_(ids))
                                       .order_by(InboxEvent.id)).scalars().all()
    assert statuses == ["received", "processed"]


def test_an_event_another_delivery_took_during_the_reads_is_not_answered_twice(stack: Stack) -> None:
    """An event processed by another worker while the group waited on the card system must fail the
    group's processed mark, not get a second answer."""
    (first, _), (second, _) = _bound(stack, 2)
    ids = [_store(stack, openid, "余额")[0] for openid in (first, second)]

    class AnotherWorkerMeanwhile(ReadAhead):
        def _ask(self, wanted: list[tuple[str, reads.Key]]) -> list[tuple[bool, Any]]:
            asked = super()._ask(wanted)
            with stack.platform.uow() as other:
                other.session.execute(update(InboxEvent).where(InboxEvent.id == ids[0]).values(status="processed"))
                other.commit()
            return asked

    delivered: list[int] = []
    outcomes = _read_ahead(stack, delivered=delivered, stage=AnotherWorkerMeanwhile).process_group(ids)

    assert outcomes == ["duplicate", "handled"]  # the transaction reads the events after the reads
    assert len(_replies_to(stack, ids)) == 1 and len(delivered) == 1
