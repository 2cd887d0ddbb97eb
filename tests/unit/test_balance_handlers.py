"""The balance query: a bound user reads their balance; anyone else learns how to bind."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import commands as c
from tests.unit.fakes import FakeCardSystem, bind, ports, said, turn
from workers.topics import balance


def test_a_bound_user_reads_their_balance_in_yuan_at_shanghai_time(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, student_no="20240002")
    t = turn(session, ports(card))
    balance.balance(c.QueryBalance(), t)
    assert said(t) == "李四，您的校园卡余额为 52.30 元（截至 2026-11-25 16:00）。"


def test_an_unbound_user_is_told_how_to_bind(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    balance.balance(c.QueryBalance(), t)
    assert "绑定 学号" in said(t) and "余额" not in said(t)
