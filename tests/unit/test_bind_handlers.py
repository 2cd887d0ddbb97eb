"""The bind handlers over an in-memory database and the fake card system: the SMS code rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import Binding, BindingLog, SmsChallenge
from tests.unit.fakes import NOW, ports, turn
from workers.runtime.turn import Turn
from workers.topics import bind, code_replies


def _turn(session: Session, openid: str = "oA", at: datetime = NOW) -> Turn:
    return turn(session, ports(), openid, at)


def _request_code(session: Session, openid: str = "oA", at: datetime = NOW) -> str:
    turn = _turn(session, openid, at)
    bind.start_bind(c.StartBind("20240001"), turn)
    session.flush()
    sms = [o for o in turn.outgoing if o.channel == "sms"]
    assert len(sms) == 1 and sms[0].recipient == "13800000001"
    return sms[0].body.split("验证码 ")[1][:6]


def test_the_right_code_binds_the_card_and_logs_it(session: Session) -> None:
    code = _request_code(session)
    turn = _turn(session, at=NOW + timedelta(minutes=1))
    code_replies.verify_code(c.VerifyCode(code), turn)
    session.flush()
    assert "绑定成功" in turn.outgoing[-1].body
    assert session.get(Binding, "oA") is not None
    assert session.execute(select(BindingLog.action)).scalars().all() == ["bound"]


def test_five_wrong_codes_void_the_code_even_the_right_one_after(session: Session) -> None:
    code = _request_code(session)
    wrong = "000000" if code != "000000" else "111111"
    answers = []
    for _ in range(5):
        turn = _turn(session)
        code_replies.verify_code(c.VerifyCode(wrong), turn)
        session.flush()
        answers.append(turn.outgoing[-1].body)
    assert "还可以再试 4 次" in answers[0]
    assert "已作废" in answers[-1]
    turn = _turn(session)
    code_replies.verify_code(c.VerifyCode(code), turn)
    assert "没有待验证" in turn.outgoing[-1].body
    assert session.get(Binding, "oA") is None


def test_a_code_expires_after_five_minutes(session: Session) -> None:
    code = _request_code(session)
    turn = _turn(session, at=NOW + timedelta(minutes=5, seconds=1))
    code_replies.verify_code(c.VerifyCode(code), turn)
    assert "已过期" in turn.outgoing[-1].body
    assert session.get(Binding, "oA") is None


def test_a_new_code_at_most_once_a_minute(session: Session) -> None:
    _request_code(session)
    turn = _turn(session, at=NOW + timedelta(seconds=30))
    bind.start_bind(c.StartBind("20240001"), turn)
    assert [o.channel for o in turn.outgoing] == ["wechat"] and "太频繁" in turn.outgoing[0].body
    _request_code(session, at=NOW + timedelta(seconds=61))


def test_a_newer_code_supersedes_the_older_one(session: Session) -> None:
    first = _request_code(session)
    second = _request_code(session, at=NOW + timedelta(minutes=2))
    statuses = session.execute(select(SmsChallenge.status).order_by(SmsChallenge.id)).scalars().all()
    assert statuses == ["superseded", "pending"]
    if first != second:
        turn = _turn(session, at=NOW + timedelta(minutes=2))
        code_replies.verify_code(c.VerifyCode(first), turn)
        assert "不正确" in turn.outgoing[-1].body


def test_binding_a_card_held_by_another_user_moves_it_after_sms_proof(session: Session) -> None:
    for openid, offset in (("oOld", 0), ("oNew", 2)):
        at = NOW + timedelta(minutes=offset)
        code = _request_code(session, openid, at)
        code_replies.verify_code(c.VerifyCode(code), _turn(session, openid, at))
        session.flush()
    assert session.get(Binding, "oOld") is None
    assert session.get(Binding, "oNew") is not None
