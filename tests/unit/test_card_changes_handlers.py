"""Changing the card from WeChat: report it lost (after a confirmation), lift that with an SMS code,
move the bound phone with a code sent to the new number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import Binding, BindingLog, SmsChallenge
from tests.unit.fakes import NOW, FakeCardSystem, bind, code_sent, ports, said, turn
from workers.topics import card_changes, code_replies


def _actions(session: Session) -> list[str]:
    return list(session.execute(select(BindingLog.action).order_by(BindingLog.id)).scalars())


def test_reporting_lost_asks_for_a_confirmation_first(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_changes.report_lost(c.ReportLost(), t)
    assert "确认挂失请回复：确认挂失" in said(t)
    assert card.holders["20240001"].status == "normal" and _actions(session) == []


def test_a_confirmed_loss_freezes_the_card_and_logs_it(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_changes.report_lost(c.ReportLost(confirmed=True), t)
    session.flush()
    assert "挂失成功，校园卡 61****0001 已停止使用" in said(t)
    assert card.holders["20240001"].status == "lost"
    assert _actions(session) == ["lost"]


def test_a_card_already_lost_is_not_reported_again(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.freeze("20240001", "earlier")
    t = turn(session, ports(card))
    card_changes.report_lost(c.ReportLost(confirmed=True), t)
    assert "已是挂失状态" in said(t) and _actions(session) == []


def test_a_card_that_is_not_lost_needs_no_unfreezing(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    card_changes.start_unfreeze(c.StartUnfreeze(), t)
    assert said(t) == "您的校园卡没有挂失，无需解挂。"
    assert [o.channel for o in t.outgoing] == ["wechat"]


def test_the_right_code_lifts_the_loss(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.freeze("20240001", "earlier")
    asked = turn(session, ports(card))
    card_changes.start_unfreeze(c.StartUnfreeze(), asked)
    session.flush()
    assert "验证码已发送至 138****0001" in said(asked) and "解除校园卡挂失" in said(asked)
    code = code_sent(asked, "13800000001")
    t = turn(session, ports(card), at=NOW + timedelta(minutes=1))
    code_replies.verify_code(c.VerifyCode(code), t)
    session.flush()
    assert said(t) == "解挂成功，校园卡已恢复使用。"
    assert card.holders["20240001"].status == "normal"
    assert _actions(session) == ["found"]


def test_a_wrong_code_keeps_the_card_lost(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.freeze("20240001", "earlier")
    asked = turn(session, ports(card))
    card_changes.start_unfreeze(c.StartUnfreeze(), asked)
    session.flush()
    code = code_sent(asked, "13800000001")
    t = turn(session, ports(card))
    code_replies.verify_code(c.VerifyCode("000000" if code != "000000" else "111111"), t)
    assert said(t) == "验证码不正确，还可以再试 4 次。"
    assert card.holders["20240001"].status == "lost"


def test_unfreeze_codes_are_sent_at_most_once_a_minute(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    card.freeze("20240001", "earlier")
    card_changes.start_unfreeze(c.StartUnfreeze(), turn(session, ports(card)))
    session.flush()
    t = turn(session, ports(card), at=NOW + timedelta(seconds=20))
    card_changes.start_unfreeze(c.StartUnfreeze(), t)
    assert "太频繁" in said(t) and [o.channel for o in t.outgoing] == ["wechat"]


def test_a_new_phone_must_look_like_a_mobile_number(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    for phone in ("", "1391234567", "23912345678"):
        t = turn(session, ports(card))
        card_changes.change_phone(c.ChangePhone(phone), t)
        assert said(t).startswith("请发送“绑定手机 新手机号”"), phone
    t = turn(session, ports(card))
    card_changes.change_phone(c.ChangePhone("13800000001"), t)
    assert said(t) == "这就是您当前绑定的手机号。"


def test_the_code_sent_to_the_new_phone_moves_the_binding_there(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    asked = turn(session, ports(card))
    card_changes.change_phone(c.ChangePhone("13912345678"), asked)
    session.flush()
    code = code_sent(asked, "13912345678")
    t = turn(session, ports(card))
    code_replies.verify_code(c.VerifyCode(code), t)
    session.flush()
    assert said(t) == "绑定手机已更换为 139****5678。"
    assert card.holders["20240001"].phone == "13912345678"
    binding = session.get(Binding, "oA")
    assert binding is not None and binding.phone == "13912345678"
    assert _actions(session) == ["phone"]
    # The old number is told, so a change the holder did not make does not go unnoticed.
    [old] = [o for o in t.outgoing if o.channel == "sms"]
    assert old.recipient == "13800000001"
    assert "您的校园卡绑定手机已于 2026-11-25 16:00 更换为 139****5678。如非本人操作" in old.body


def test_a_number_another_holder_has_bound_is_refused(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    bind(session, card, openid="oB", student_no="20240002")
    t = turn(session, ports(card))
    card_changes.change_phone(c.ChangePhone("13800000002"), t)
    assert said(t) == "该手机号已绑定其他持卡人，不能使用。请换一个号码，或联系校园卡服务中心。"
    assert [o for o in t.outgoing if o.channel == "sms"] == []


def test_a_number_bound_by_another_while_the_code_travelled_is_refused(session: Session,
                                                                        card: FakeCardSystem) -> None:
    bind(session, card)
    asked = turn(session, ports(card))
    card_changes.change_phone(c.ChangePhone("13912345678"), asked)
    session.flush()
    code = code_sent(asked, "13912345678")
    other = bind(session, card, openid="oB", student_no="20240002")
    other.phone = "13912345678"
    session.flush()
    t = turn(session, ports(card))
    code_replies.verify_code(c.VerifyCode(code), t)
    assert said(t).startswith("该手机号已绑定其他持卡人") and card.holders["20240001"].phone == "13800000001"


def test_a_code_for_a_card_no_longer_bound_is_voided(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    asked = turn(session, ports(card))
    card_changes.change_phone(c.ChangePhone("13912345678"), asked)
    session.flush()
    code = code_sent(asked, "13912345678")
    session.delete(session.get(Binding, "oA"))
    session.flush()
    t = turn(session, ports(card))
    code_replies.verify_code(c.VerifyCode(code), t)
    assert said(t) == "绑定信息已变更，请重新操作。"
    assert session.execute(select(SmsChallenge.status)).scalar_one() == "void"
    assert card.holders["20240001"].phone == "13800000001"
