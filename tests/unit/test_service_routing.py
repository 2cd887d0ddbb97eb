"""The self-service commands in the routing table: words, arguments, topics and menu keys."""

from __future__ import annotations

import pytest

from events import commands as c
from events.menu import MENU, check_menu
from events.routing import RULES, route_text
from events.topics import Topic
from workers.runtime.registry import handles
from workers.topics import all_handlers


@pytest.mark.parametrize(("text", "topic", "command"), [
    ("流水 上月", Topic.QUERY, c.ShowHistory("上月")),
    ("确认挂失", Topic.BIND, c.ReportLost(confirmed=True)),
    ("绑定手机 13912345678", Topic.BIND, c.ChangePhone("13912345678")),
    ("拾卡 6100100001，一食堂 服务台", Topic.GENERAL, c.ReportFound("6100100001", "一食堂 服务台")),
    ("报修　闸机 东门 刷卡不开", Topic.GENERAL, c.FileRepair("闸机", "东门", "刷卡不开")),
    ("课表明天", Topic.QUERY, c.ShowTimetable("明天")),
    ("帮助 报修", Topic.GENERAL, c.Help(topic="报修")),
])
def test_typed_commands_reach_their_topic_with_their_arguments(text: str, topic: Topic, command: c.Command) -> None:
    routed = route_text(text)
    assert (routed.topic, routed.command) == (topic, command)


def test_every_routed_command_has_a_handler() -> None:
    registered = all_handlers()
    for rule in RULES:
        command = rule.build("")
        if command is not None:
            assert type(command) in registered, (rule.words, rule.topic)
    always = (c.VerifyCode("123456"), c.Help(unknown=True), c.NotUnderstood("x"), c.Welcome(), c.Unsubscribed(),
              c.Unsupported("image"))
    for command in always:
        assert type(command) in registered


def test_a_second_handler_for_a_command_is_refused_at_import() -> None:
    all_handlers()
    with pytest.raises(ValueError, match=r"QueryBalance is already handled by workers\.topics\.balance\.balance"):
        handles(c.QueryBalance)(lambda cmd, turn: None)


def test_the_menu_keeps_wechats_limits() -> None:
    check_menu()
    assert len(MENU) <= 3 and all(len(subs) <= 5 for _, subs in MENU)
