"""Binding beyond the SMS code: unbinding, and the cases where no code is sent at all."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.cardsystem.demo import DemoHolder
from events import commands as c
from store.tables import Binding, BindingLog, SmsChallenge
from tests.unit.fakes import NOW, FakeCardSystem, bind, ports, said, turn
from workers.topics import bind as bind_topic


def test_unbinding_removes_the_binding_and_logs_it(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    bind_topic.unbind(c.Unbind(), t)
    session.flush()
    assert "已解除绑定" in said(t)
    assert session.get(Binding, "oA") is None
    log = session.execute(select(BindingLog)).scalar_one()
    assert (log.action, log.student_no, log.reason) == ("unbound", "20240001", "by the user")


def test_unbinding_without_a_binding_changes_nothing(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    bind_topic.unbind(c.Unbind(), t)
    assert "还没有绑定" in said(t)
    assert session.execute(select(func.count()).select_from(BindingLog)).scalar_one() == 0


def test_a_bound_user_must_unbind_before_binding_again(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    bind_topic.start_bind(c.StartBind("20240002"), t)
    assert "请先发送“解绑”" in said(t) and "张三" in said(t)
    assert [o.channel for o in t.outgoing] == ["wechat"]


def test_an_unknown_student_number_sends_no_code(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    bind_topic.start_bind(c.StartBind("20249999"), t)
    assert "未找到学号/工号 20249999" in said(t)
    assert [o.channel for o in t.outgoing] == ["wechat"]


def test_a_card_without_a_phone_cannot_be_bound_by_sms(session: Session) -> None:
    card = FakeCardSystem((DemoHolder("20240009", "孙七", "", "6100100009", 0),))
    t = turn(session, ports(card))
    bind_topic.start_bind(c.StartBind("20240009"), t)
    assert "没有登记手机号" in said(t)
    assert session.execute(select(func.count()).select_from(SmsChallenge)).scalar_one() == 0


def test_at_most_five_codes_a_day(session: Session, card: FakeCardSystem) -> None:
    for n in range(5):
        t = turn(session, ports(card), at=NOW + timedelta(minutes=2 * n))
        bind_topic.start_bind(c.StartBind("20240001"), t)
        session.flush()
        assert [o.channel for o in t.outgoing] == ["sms", "wechat"]
    t = turn(session, ports(card), at=NOW + timedelta(hours=3))
    bind_topic.start_bind(c.StartBind("20240001"), t)
    assert "次数已达上限" in said(t) and [o.channel for o in t.outgoing] == ["wechat"]
    t = turn(session, ports(card), at=NOW + timedelta(days=1, minutes=1))
    bind_topic.start_bind(c.StartBind("20240001"), t)
    assert "验证码已发送至 138****0001" in said(t)
