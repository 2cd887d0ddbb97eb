"""退订 / 订阅: one opt-out row per user while they do not want news; 订阅 removes it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import NotificationOptOut
from tests.unit.fakes import FakeCardSystem, ports, said, turn
from workers.topics import subscriptions


def _opted_out(session: Session) -> int:
    session.flush()
    return int(session.execute(select(func.count()).select_from(NotificationOptOut)).scalar_one())


def test_opting_out_twice_keeps_one_row_and_says_how_to_return(session: Session, card: FakeCardSystem) -> None:
    for _ in range(2):
        t = turn(session, ports(card))
        subscriptions.opt_out(c.OptOut(), t)
        assert said(t).startswith("已退订") and "发送“订阅”可恢复" in said(t)
        assert _opted_out(session) == 1


def test_opting_in_removes_the_opt_out(session: Session, card: FakeCardSystem) -> None:
    subscriptions.opt_out(c.OptOut(), turn(session, ports(card)))
    assert _opted_out(session) == 1
    t = turn(session, ports(card))
    subscriptions.opt_in(c.OptIn(), t)
    assert said(t).startswith("已订阅") and _opted_out(session) == 0
    subscriptions.opt_in(c.OptIn(), turn(session, ports(card)))
    assert _opted_out(session) == 0
