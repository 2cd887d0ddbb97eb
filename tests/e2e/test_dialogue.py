"""A student talks to the account: bind with an SMS code, ask the balance, unbind."""

from __future__ import annotations

from sqlalchemy import select

from adapters.wechat.callbacks import text_xml
from store.tables import Binding, FeatureSwitch, SmsChallenge
from tests.harness import Stack
from tests.processes import wait_until


def test_a_student_binds_with_the_sms_code_and_asks_the_balance(live: Stack, openid: str) -> None:
    since = len(live.sms_to("13800000002"))
    reply = live.ask(openid, "绑定 20240002")
    assert reply.startswith("验证码已发送至 138****0002")
    code = live.code_sent("13800000002", since)

    assert "绑定成功" in live.ask(openid, code)
    assert live.ask(openid, "余额").startswith("李四，您的校园卡余额为 52.30 元")
    assert "已解除绑定" in live.ask(openid, "unbind")
    assert "还未绑定" in live.ask(openid, "balance")


def test_the_code_is_stored_hashed_never_in_clear(live: Stack, openid: str) -> None:
    code = live.request_code(openid, "20240003", "13800000003")
    with live.platform.uow() as uow:
        stored = uow.session.execute(select(SmsChallenge.code_hash).where(SmsChallenge.openid == openid)).scalar_one()
    assert code not in stored
    assert len(stored) > 40


def test_an_unbound_user_asking_the_balance_is_told_how_to_bind(live: Stack, openid: str) -> None:
    assert "绑定 学号" in live.ask(openid, "余额")


def test_unknown_text_gets_a_short_pointer_to_the_menu_and_the_help(live: Stack, openid: str) -> None:
    reply = live.ask(openid, "今天食堂吃什么")
    assert reply == "没看懂“今天食堂吃什么”。请点下方菜单，或发送“帮助”查看全部功能、“菜单”查看菜单。"


def test_a_new_follower_is_welcomed_with_the_help(live: Stack, openid: str) -> None:
    live.event(openid, "subscribe")
    welcome = live.replies(openid, 1)[0]
    assert "欢迎关注" in welcome and "余额" in welcome


def test_a_menu_click_routes_like_the_text_command(live: Stack, openid: str) -> None:
    live.click(openid, "BALANCE")
    assert "还未绑定" in live.replies(openid, 1)[0]


def test_an_unknown_student_number_is_refused_and_nothing_is_bound(live: Stack, openid: str) -> None:
    assert "未找到" in live.ask(openid, "绑定 99999999")
    with live.platform.uow() as uow:
        assert uow.session.get(Binding, openid) is None


def test_wechat_retrying_a_message_gets_exactly_one_reply(live: Stack, openid: str) -> None:
    xml = text_xml(openid, "余额")
    for _ in range(4):  # the original and WeChat's three retries
        assert live.sender().post(xml).text == "success"
    assert len(live.replies(openid, 1)) == 1
    assert wait_until(lambda: live.settled(openid)), "the retries are still being handled"
    assert len(live.sent_to(openid)) == 1


def test_a_paused_function_answers_with_the_office_message(live: Stack, openid: str) -> None:
    with live.platform.uow() as uow:
        uow.session.merge(FeatureSwitch(feature="balance", enabled=False, message="余额查询系统维护中"))
        uow.commit()
    try:
        assert live.ask(openid, "余额") == "余额查询系统维护中"
        assert "可用功能" in live.ask(openid, "帮助")
    finally:
        with live.platform.uow() as uow:
            uow.session.merge(FeatureSwitch(feature="balance", enabled=True, message=None))  # as it was
            uow.commit()
    assert "还未绑定" in live.ask(openid, "余额")


def test_when_the_card_system_stays_down_the_student_is_told_to_try_later(live: Stack, openid: str) -> None:
    live.bind(openid, "T0001", "13900000001")
    live.card_faults(outage=True)
    try:
        reply = live.ask(openid, "余额", timeout=60)
    finally:
        live.card_faults(outage=False)
    assert reply == "系统繁忙，请稍后再试。"
    assert "320.15" in live.ask(openid, "余额")
