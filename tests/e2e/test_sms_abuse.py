"""SMS codes against guessing and flooding, and one WeChat user never sees another's card."""

from __future__ import annotations

from datetime import timedelta

from store.tables import Binding, SmsChallenge, utcnow
from tests.harness import Stack, new_openid
from workers.verification import codes


def test_five_wrong_codes_void_the_code_and_the_right_one_no_longer_binds(live: Stack, openid: str) -> None:
    code = live.request_code(openid, "20240001", "13800000001")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [live.ask(openid, wrong) for _ in range(5)]
    assert [a.count("还可以再试") for a in answers[:4]] == [1, 1, 1, 1]
    assert "作废" in answers[4]
    assert "没有待验证" in live.ask(openid, code)
    with live.platform.uow() as uow:
        assert uow.session.get(Binding, openid) is None


def test_asking_again_within_a_minute_sends_no_second_sms(live: Stack, openid: str) -> None:
    since = len(live.sms_to("13800000004"))
    live.request_code(openid, "20240004", "13800000004")
    assert "太频繁" in live.ask(openid, "绑定 20240004")
    assert "太频繁" in live.ask(openid, "绑定 20240001")
    assert len(live.sms_to("13800000004")) == since + 1


def test_a_user_gets_at_most_five_codes_a_day(live: Stack, openid: str) -> None:
    # Four codes earlier today (more than a minute ago) and one yesterday.
    now = utcnow()
    with live.platform.uow() as uow:
        for hours in (2, 3, 4, 5, 25):
            uow.session.add(SmsChallenge(openid=openid, purpose="bind", student_no="20240004", phone="13800000004",
                                         code_hash="x$y", created_at=now - timedelta(hours=hours),
                                         expires_at=now - timedelta(hours=hours) + codes.CODE_TTL,
                                         attempts=0, status="superseded"))
        uow.commit()
    live.request_code(openid, "20240004", "13800000004")  # the fifth of the last 24 hours
    with live.platform.uow() as uow:
        uow.session.query(SmsChallenge).filter(SmsChallenge.openid == openid, SmsChallenge.status == "pending") \
            .update({SmsChallenge.created_at: now - timedelta(minutes=2)})
        uow.commit()
    since = len(live.sms_to("13800000004"))
    assert "上限" in live.ask(openid, "绑定 20240004")
    assert len(live.sms_to("13800000004")) == since


def test_one_user_cannot_read_another_users_card(live: Stack) -> None:
    owner, stranger = new_openid(), new_openid()
    live.bind(owner, "T0001", "13900000001")
    assert "陈老师" in live.ask(owner, "余额")

    assert "还未绑定" in live.ask(stranger, "余额")
    # Asking to bind the same card sends the code to the owner's phone, not to the stranger.
    since = len(live.sms_to("13900000001"))
    reply = live.ask(stranger, "绑定 T0001")
    assert "139****0001" in reply and "320.15" not in reply
    code = live.code_sent("13900000001", since)  # waits for it: only the owner's phone has it
    assert "不正确" in live.ask(stranger, "000000" if code != "000000" else "111111")
    assert "还未绑定" in live.ask(stranger, "余额")
    with live.platform.uow() as uow:
        assert uow.session.get_one(Binding, owner).student_no == "T0001"
