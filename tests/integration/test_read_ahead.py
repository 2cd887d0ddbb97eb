"""Query turns in groups: the card-system reads of a group are asked side by side, then the turns
commit together; a turn that changes the card, or whose read fails, runs alone instead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, update

from adapters.cardsystem.demo import DemoHolder
from events.commands import Command, QueryBalance
from store.tables import Binding, InboxEvent, OutboundMessage, utcnow
from tests.harness import Stack, new_openid
from tests.integration.test_exactly_once import _replies_to, _store
from workers.runtime.read_ahead import Key, ReadAhead
from workers.runtime.turn import Handler, Turn
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


def _read_ahead(stack: Stack, handlers: dict[type[Command], Handler] | None = None,
                delivered: list[int] | None = None) -> ReadAhead:
    sink = delivered if delivered is not None else []
    return ReadAhead(stack.platform.ports, handlers or registered_handlers(),
                     lambda items: sink.extend(i for i, _ in items), stack.platform.uow)


def test_a_groups_card_reads_overlap_and_its_turns_commit_together_once(stack: Stack, slow_card: None) -> None:
    users = _bound(stack, 12)
    ids = [_store(stack, openid, "余额")[0] for openid, _ in users]
    unbound = _store(stack, new_openid(), "余额")[0]  # asks nothing outside, in the same group
    delivered: list[int] = []
    group = _read_ahead(stack, delivered=delivered)

    started = time.monotonic()
    outcomes = group([*ids, unbound])
    took = time.monotonic() - started

    assert outcomes == ["handled"] * 13
    assert took < 12 * LATENCY_MS / 1000 / 2  # one after another would take 2.4 s
    replies = _replies_to(stack, [*ids, unbound])
    assert len(replies) == 13 and len(delivered) == 13 and all("12.34" in r for r in replies[:12])
    assert "还未绑定" in replies[12]
    assert group([*ids, unbound]) == ["duplicate"] * 13  # redelivered: nothing runs twice
    with stack.platform.uow() as uow:
        processed = uow.session.execute(select(func.count()).where(
            InboxEvent.id.in_(ids), InboxEvent.status == "processed")).scalar_one()
        replies_now = uow.session.execute(select(func.count()).where(
            OutboundMessage.event_id.in_(ids))).scalar_one()
    assert processed == 12 and replies_now == 12


def test_a_turn_that_changes_the_card_or_fails_to_read_runs_alone_and_the_rest_go_on(stack: Stack) -> None:
    (freezer, _), (failing, _), (fine, _) = _bound(stack, 3)

    def balance_or_freeze(command: Command, turn: Turn) -> None:
        binding = turn.session.get_one(Binding, turn.openid)
        if turn.openid == freezer:
            turn.ports.card.freeze(binding.student_no, "test")
        if turn.openid == failing:
            turn.ports.card.balance_fen("no-such-student")  # the simulator answers 404: an error
        turn.say(str(turn.ports.card.balance_fen(binding.student_no)))

    ids = [_store(stack, openid, "余额")[0] for openid in (freezer, failing, fine)]
    outcomes = _read_ahead(stack, {QueryBalance: balance_or_freeze})(ids)

    assert outcomes == [None, None, "handled"]  # None: the actor runs it with `process_event`
    assert _replies_to(stack, ids) == ["1234"]
    with stack.platform.uow() as uow:
        statuses = uow.session.execute(select(InboxEvent.status).where(InboxEvent.id.in_(ids))
                                       .order_by(InboxEvent.id)).scalars().all()
    assert statuses == ["received", "received", "processed"]



def test_an_event_another_delivery_took_during_the_reads_is_not_answered_twice(stack: Stack) -> None:
    """The real run reuses the rehearsal's events: an event processed by another worker while the
    group waited on the card system must fail the group's processed mark, not get a second answer."""
    (first, _), (second, _) = _bound(stack, 2)
    ids = [_store(stack, openid, "余额")[0] for openid in (first, second)]

    class AnotherWorkerMeanwhile(ReadAhead):
        def _ask(self, questions: set[Key], answers: dict[Key, tuple[bool, Any]]) -> bool:
            asked = super()._ask(questions, answers)
            with stack.platform.uow() as other:
                other.session.execute(update(InboxEvent).where(InboxEvent.id == ids[0]).values(status="processed"))
                other.commit()
            return asked

    delivered: list[int] = []
    outcomes = AnotherWorkerMeanwhile(stack.platform.ports, registered_handlers(),
                                      lambda items: delivered.extend(i for i, _ in items), stack.platform.uow)(ids)

    assert outcomes == [None, None]  # one by one: there the first is a duplicate, the second is answered
    assert _replies_to(stack, ids) == [] and delivered == []
