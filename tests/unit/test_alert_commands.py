"""The 提醒 commands against fakes: what a student can switch, how it reads, and the SMS code that
switches automatic top-up on the first time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import commands as c
from events.menu import check_menu
from events.routing import route_menu_key, route_text
from store.tables import AlertSetting
from tests.unit.fakes import FakeCardSystem, bind, code_sent, ports, said, turn
from workers.topics import alert_settings, code_replies


def test_the_commands_route_to_their_handlers_and_the_menu_has_the_settings() -> None:
    assert route_text("消费提醒 20").command == c.SetSpendingAlert("20")
    assert route_text("自动充值 50 低于 20").command == c.SetAutoTopup("50 低于 20")
    assert route_text("每日账单 开").command == c.SetDailySummary("开")
    assert route_text("余额提醒 关").command == c.SetLowBalanceAlert("关")
    assert route_menu_key("ALERT_SETTINGS").command == c.ShowAlertSettings()
    check_menu()


def test_spending_alerts_on_off_and_from_an_amount(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    alert_settings.spending(c.SetSpendingAlert("20"), t)
    assert "20.00 元及以上" in said(t)
    setting = session.get(AlertSetting, "oA")
    assert setting is not None and setting.spend_on and setting.spend_min_fen == 2000
    alert_settings.spending(c.SetSpendingAlert("关"), turn(session, ports(card)))
    assert not setting.spend_on
    t = turn(session, ports(card))
    alert_settings.spending(c.SetSpendingAlert("很多"), t)
    assert "无法识别" in said(t) and not setting.spend_on


def test_an_unbound_user_is_told_to_bind(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    alert_settings.low_balance(c.SetLowBalanceAlert("20"), t)
    assert "绑定" in said(t) and session.get(AlertSetting, "oA") is None


def test_automatic_topup_needs_the_sms_code_the_first_time_only(session: Session, card: FakeCardSystem) -> None:
    binding = bind(session, card)
    t = turn(session, ports(card))
    alert_settings.auto_topup(c.SetAutoTopup("50 低于 20"), t)
    setting = session.get(AlertSetting, "oA")
    assert setting is not None and setting.topup_state == "pending"
    code = code_sent(t, binding.phone)
    t = turn(session, ports(card))
    code_replies.verify_code(c.VerifyCode(code), t)
    assert "自动充值已开启" in said(t) and setting.topup_state == "on"
    alert_settings.auto_topup(c.SetAutoTopup("关"), turn(session, ports(card)))
    assert setting.topup_state == "off"
    t = turn(session, ports(card))
    alert_settings.auto_topup(c.SetAutoTopup("30 低于 10"), t)
    assert setting.topup_state == "on" and setting.topup_fen == 3000
    assert not [o for o in t.outgoing if o.channel == "sms"]


def test_automatic_topup_refuses_an_amount_above_the_limit(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    t = turn(session, ports(card))
    alert_settings.auto_topup(c.SetAutoTopup("900 低于 20"), t)
    assert "单笔金额不能超过" in said(t)
    setting = session.get(AlertSetting, "oA")
    assert setting is not None and setting.topup_state == "off"


def test_the_settings_screen_shows_every_choice(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    alert_settings.low_balance(c.SetLowBalanceAlert("15"), turn(session, ports(card)))
    alert_settings.daily_summary(c.SetDailySummary("开"), turn(session, ports(card)))
    t = turn(session, ports(card))
    alert_settings.show(c.ShowAlertSettings(), t)
    text = said(t)
    assert "消费提醒：关" in text and "低于 15.00 元时提醒" in text and "每日账单：开" in text
