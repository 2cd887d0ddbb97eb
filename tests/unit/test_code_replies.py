"""A six-digit reply answers the dialogue that asked for it, and only that dialogue's switch pauses it.

Given a user who asked for a code in one dialogue (绑定, 解挂, 绑定手机, 自动充值), when functions are
paused in 功能开关 and the code arrives, then only the pause of its own function refuses it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from events import commands as c
from events.routing import FEATURE_LABELS, route_text
from events.topics import Topic
from store.tables import FeatureSwitch, SmsChallenge
from tests.unit.fakes import FakeCardSystem, bind, code_sent, ports, said, turn
from workers.topics import alert_settings, card_changes, code_replies
from workers.topics import bind as bind_topic

#: purpose -> (its switch, what the user reads once its code is right).
DIALOGUES = {
    "bind": ("bind", "绑定成功"),
    "unfreeze": ("lost", "解挂成功，校园卡已恢复使用。"),
    "phone": ("phone", "绑定手机已更换为 139****5678。"),
    "autotopup": ("alerts", "自动充值已开启"),
}


def _ask_for_a_code(session: Session, card: FakeCardSystem, purpose: str) -> str:
    """The user starts the dialogue `purpose` as they would in the chat; the code it texted."""
    t = turn(session, ports(card))
    if purpose == "bind":
        bind_topic.start_bind(c.StartBind("20240001"), t)
        phone = "13800000001"
    else:
        binding = bind(session, card)
        phone = binding.phone
        if purpose == "unfreeze":
            card.freeze("20240001", "lost in the library")
            card_changes.start_unfreeze(c.StartUnfreeze(), t)
        elif purpose == "phone":
            phone = "13912345678"
            card_changes.change_phone(c.ChangePhone(phone), t)
        else:
            alert_settings.auto_topup(c.SetAutoTopup("50 低于 20"), t)
    session.flush()
    return code_sent(t, phone)


def _pause(session: Session, *features: str) -> None:
    for feature in features:
        session.add(FeatureSwitch(feature=feature, enabled=False, message=f"{FEATURE_LABELS[feature]}维护中"))
    session.flush()


def _reply(session: Session, card: FakeCardSystem, code: str) -> str:
    t = turn(session, ports(card))
    code_replies.verify_code(c.VerifyCode(code), t)
    session.flush()
    return said(t)


def test_a_six_digit_text_carries_no_switch_of_its_own() -> None:
    assert route_text("123456") == route_text(" 123456 ")
    assert (route_text("123456").topic, route_text("123456").feature) == (Topic.BIND, None)


def test_every_dialogue_that_asks_for_a_code_is_paused_by_a_switch_the_back_office_knows() -> None:
    assert {p: a.feature for p, a in code_replies.ASKED_BY.items()} == {p: f for p, (f, _) in DIALOGUES.items()}
    assert all(a.feature in FEATURE_LABELS for a in code_replies.ASKED_BY.values())


@pytest.mark.parametrize("purpose", sorted(DIALOGUES))
def test_each_dialogue_finishes_with_its_own_code(session: Session, card: FakeCardSystem, purpose: str) -> None:
    code = _ask_for_a_code(session, card, purpose)
    assert DIALOGUES[purpose][1] in _reply(session, card, code)


@pytest.mark.parametrize("purpose", sorted(DIALOGUES))
def test_a_code_still_works_while_every_other_function_is_paused(session: Session, card: FakeCardSystem,
                                                                  purpose: str) -> None:
    code = _ask_for_a_code(session, card, purpose)
    own = DIALOGUES[purpose][0]
    _pause(session, *(feature for feature in FEATURE_LABELS if feature != own))
    assert DIALOGUES[purpose][1] in _reply(session, card, code)


@pytest.mark.parametrize("purpose", ["unfreeze", "phone", "autotopup"])
def test_pausing_bind_leaves_the_codes_of_unfreeze_phone_and_autotopup_working(session: Session,
                                                                               card: FakeCardSystem,
                                                                               purpose: str) -> None:
    code = _ask_for_a_code(session, card, purpose)
    _pause(session, "bind")
    assert DIALOGUES[purpose][1] in _reply(session, card, code)


@pytest.mark.parametrize("purpose", sorted(DIALOGUES))
def test_a_paused_function_refuses_its_own_code_with_the_pause_message(session: Session, card: FakeCardSystem,
                                                                       purpose: str) -> None:
    code = _ask_for_a_code(session, card, purpose)
    feature = DIALOGUES[purpose][0]
    _pause(session, feature)
    assert _reply(session, card, code) == f"{FEATURE_LABELS[feature]}维护中"
    # Nothing happened and no try was spent: the code is still the user's, should the function resume.
    challenge = session.execute(select(SmsChallenge)).scalar_one()
    assert (challenge.status, challenge.attempts) == ("pending", 0)
    assert card.holders["20240001"].status == ("lost" if purpose == "unfreeze" else "normal")
    assert card.holders["20240001"].phone == "13800000001"


def test_pausing_lost_refuses_the_unfreeze_code_but_not_the_bind_code(session: Session,
                                                                     card: FakeCardSystem) -> None:
    _pause(session, "lost")
    code = _ask_for_a_code(session, card, "bind")
    assert "绑定成功" in _reply(session, card, code)
    card.freeze("20240001", "lost again")
    t = turn(session, ports(card))
    card_changes.start_unfreeze(c.StartUnfreeze(), t)
    session.flush()
    assert _reply(session, card, code_sent(t, "13800000001")) == "挂失与解挂维护中"
    assert card.holders["20240001"].status == "lost"


def test_a_code_with_no_pending_dialogue_gets_a_clear_answer(session: Session, card: FakeCardSystem) -> None:
    answer = _reply(session, card, "123456")
    assert answer == code_replies.NOTHING_PENDING
    assert answer.startswith("没有待验证的请求，或验证码已过期。")


def test_a_code_voided_by_wrong_tries_says_how_its_own_dialogue_asks_again(session: Session,
                                                                           card: FakeCardSystem) -> None:
    code = _ask_for_a_code(session, card, "unfreeze")
    wrong = "000000" if code != "000000" else "111111"
    answers = [_reply(session, card, wrong) for _ in range(5)]
    assert answers[0] == "验证码不正确，还可以再试 4 次。"
    assert answers[-1] == "验证码错误次数过多，该验证码已作废。请稍后发送“解挂”重新获取。"
    assert _reply(session, card, code) == code_replies.NOTHING_PENDING
