"""Welcome, help (the overview and each module's), unknown text, message types we do not serve."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import commands as c
from events.menu import MENU
from events.routing import help_lines, help_modules, route_menu_key, route_text
from store.tables import FeatureSwitch
from tests.unit.fakes import FakeCardSystem, ports, said, turn
from workers.topics import all_handlers, general


def _answer(session: Session, card: FakeCardSystem, cmd: c.Command) -> str:
    t = turn(session, ports(card))
    all_handlers()[type(cmd)](cmd, t)
    return said(t)


def test_a_new_follower_is_welcomed_with_the_overview(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, c.Welcome())
    assert text.startswith("欢迎关注校园一卡通！")
    assert "可用功能：" in text and "发送“帮助 模块名”查看更多功能：校园卡" in text


def test_the_overview_lists_the_basic_commands_and_every_module(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, c.Help())
    assert text.startswith("可用功能：")
    assert all(line in text for line in help_lines())
    assert text.endswith("：" + "、".join(help_modules()))
    assert {"校园卡", "公共信息", "报修"} <= set(help_modules())


def test_a_modules_help_lists_only_that_modules_commands(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, c.Help(topic="报修"))
    assert text.split("\n")[0] == "报修："
    assert any(line.startswith("报修 类别 地点 描述") for line in text.split("\n"))
    assert "流水" not in text and "可用功能" not in text


def test_an_unknown_module_falls_back_to_the_overview(session: Session, card: FakeCardSystem) -> None:
    assert _answer(session, card, c.Help(topic="食堂")).startswith("可用功能：")


def test_text_we_did_not_understand_gets_a_short_pointer_not_a_wall_of_text(session: Session,
                                                                             card: FakeCardSystem) -> None:
    text = _answer(session, card, route_text("你好呀今天吃什么呢好纠结啊").command)
    assert text == "没看懂“你好呀今天吃什么呢好纠结…”。请点下方菜单，或发送“帮助”查看全部功能、“菜单”查看菜单。"
    assert len(text) < 60 and "可用功能" not in text


def test_common_words_a_student_tries_are_understood() -> None:
    for word in ("账户信息", "缴费", "充值", "新闻", "公告", "菜单"):
        assert not isinstance(route_text(word).command, c.NotUnderstood), word


def test_help_and_the_welcome_leave_out_what_is_switched_off(session: Session, card: FakeCardSystem) -> None:
    assert "流水" in _answer(session, card, c.Help(topic="校园卡"))
    session.add_all([FeatureSwitch(feature="history", enabled=False), FeatureSwitch(feature="repair", enabled=False),
                     FeatureSwitch(feature="fees", enabled=False)])
    session.commit()  # the office's switch arrives in a later transaction: what is paused is read once per one
    welcome = _answer(session, card, c.Welcome())
    card_help = _answer(session, card, c.Help(topic="校园卡"))
    assert "流水" not in card_help and "更多 ——" not in card_help and "卡信息" in card_help
    assert "报修" not in welcome.split("：")[-1] and _answer(session, card, c.Help(topic="报修")).startswith("可用功能")
    assert "网费" not in _answer(session, card, c.Help()) and "网费" not in welcome
    assert _answer(session, card, c.ShowMenu("fees")) == "这些功能暂停服务，请稍后再试。"
    assert "流水" not in _answer(session, card, c.ShowMenu())


def test_a_picker_lists_what_to_send_next(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, route_menu_key("MENU_FEES").command)
    assert text.startswith("缴费，请发送：")
    assert all(word in text for word in ("网费", "电费", "图像采集费", "图书欠费", "外语考试费", "校友捐赠"))


def test_the_menu_as_text_names_every_item(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, route_text("菜单").command)
    assert all(item.label in text for _name, items in MENU for item in items)


def test_a_picture_or_voice_message_is_politely_refused(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, c.Unsupported("image"))
    assert text == "暂不支持此类消息。请发送文字指令，发送“帮助”查看可用功能。"


def test_an_unsubscribe_is_not_answered(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    general.unsubscribed(c.Unsubscribed(), t)
    assert t.outgoing == []
