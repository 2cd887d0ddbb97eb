"""A group of turns records the grants its callbacks gave and spends them on its replies: the common
turn (one message, its answers) without reading the ledger, the others against it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from events.notices import Field, Notice, NoticeKind
from events.wechat_grants import Scenario
from store.tables import OutboundMessage, WechatGrant
from store.uow import UnitOfWork
from tests.unit.fakes import NOW, FakeCardSystem, follow, ports, turn
from workers.runtime.turn import Turn
from workers.runtime.turns import _covered, close_turns


def _turn(session: Session, card: FakeCardSystem, openid: str, event_id: int, scenario: Scenario | None) -> Turn:
    t = replace(turn(session, ports(card), openid=openid), event_id=event_id)
    t.grant = None if scenario is None else (scenario, NOW - timedelta(seconds=1))
    return t


def test_a_turn_its_own_grant_covers_is_planned_without_the_ledger(session: Session, card: FakeCardSystem) -> None:
    one = _turn(session, card, "oA", 1, Scenario.MESSAGE)
    one.say("余额 12.50 元")
    many = _turn(session, card, "oB", 2, Scenario.CLICK)
    for n in range(4):  # more than a click's three
        many.say(f"第{n}条")
    pushes = _turn(session, card, "oC", 3, Scenario.MESSAGE)
    pushes.notify("oD", Notice(NoticeKind.LOST_FOUND, "有人捡到了您的校园卡", {Field.PLACE: "东门"}))
    silent = _turn(session, card, "oE", 4, None)
    covered = _covered([(t, None) for t in (one, many, pushes, silent)], NOW)
    assert set(covered) == {1}


def test_the_ledger_counts_what_each_turn_spent(session: Session, card: FakeCardSystem) -> None:
    follow(session, "oB", NOW - timedelta(hours=1))  # an older grant, five messages
    one = _turn(session, card, "oA", 1, Scenario.MESSAGE)
    one.say("余额 12.50 元")
    two = _turn(session, card, "oB", 2, Scenario.CLICK)
    for n in range(4):
        two.say(f"第{n}条")
    delivered: list[list[tuple[int, str]]] = []
    uow = UnitOfWork(cast("sessionmaker[Session]", lambda: session))
    uow.__enter__()
    close_turns(uow, [(one, None), (two, None)], delivered.append)
    used = {(g.openid, g.scenario): g.used for g in session.execute(select(WechatGrant)).scalars()}
    assert used[("oA", "message")] == 1
    assert used[("oB", "click")] + used[("oB", "message")] == 4
    sent = session.execute(select(OutboundMessage.recipient, OutboundMessage.status)).all()
    assert sorted(sent) == [("oA", "pending")] + [("oB", "pending")] * 4
