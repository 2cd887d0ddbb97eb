"""Welcome, help (the overview and each module's), unknown text, message types we do not serve."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import commands as c
from events.routing import help_lines, help_modules
from tests.unit.fakes import FakeCardSystem, ports, said, turn
from workers.runtime.registry import handlers
from workers.topics import general


def _answer(session: Session, card: FakeCardSystem, cmd: c.Command) -> str:
    t = turn(session, ports(card))
    handlers()[type(cmd)](cmd, t)
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


def test_text_we_did_not_understand_is_apologised_for(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, c.Help(unknown=True))
    assert text.startswith("抱歉，没有理解您的意思。\n可用功能：")


def test_a_picture_or_voice_message_is_politely_refused(session: Session, card: FakeCardSystem) -> None:
    text = _answer(session, card, c.Unsupported("image"))
    assert text == "暂不支持此类消息。请发送文字指令，发送“帮助”查看可用功能。"


def test_an_unsubscribe_is_not_answered(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    general.unsubscribed(c.Unsubscribed(), t)
    assert t.outgoing == []
