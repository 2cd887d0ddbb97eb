"""The routing table: what each text, click and event becomes."""

from __future__ import annotations

import pytest

from events import commands as c
from events.messages import InboundMessage
from events.routing import features, route, route_text
from events.topics import Topic


def _event(event: str, key: str | None = None) -> InboundMessage:
    return InboundMessage("gh", "oUser", 1, "event", event=event, event_key=key)


@pytest.mark.parametrize(
    ("text", "topic", "command"),
    [
        ("绑定 20240001", Topic.BIND, c.StartBind("20240001")),
        ("bind 20240001", Topic.BIND, c.StartBind("20240001")),
        ("BIND   20240001 ", Topic.BIND, c.StartBind("20240001")),
        ("绑定20240001", Topic.BIND, c.StartBind("20240001")),
        ("123456", Topic.BIND, c.VerifyCode("123456")),
        (" 123456 ", Topic.BIND, c.VerifyCode("123456")),
        ("余额", Topic.QUERY, c.QueryBalance()),
        ("Balance", Topic.QUERY, c.QueryBalance()),
        ("解绑", Topic.BIND, c.Unbind()),
        ("帮助", Topic.GENERAL, c.Help()),
        ("?", Topic.GENERAL, c.Help()),
        ("？", Topic.GENERAL, c.Help()),
        ("你好", Topic.GENERAL, c.NotUnderstood("你好")),
        ("绑定", Topic.GENERAL, c.NotUnderstood("绑定")),
        ("绑定 '; DROP TABLE bindings; --", Topic.GENERAL, c.NotUnderstood("绑定 '; DROP TABLE bindings; --")),
        ("12345", Topic.GENERAL, c.NotUnderstood("12345")),
    ],
)
def test_text_commands_route_to_their_topic(text: str, topic: Topic, command: c.Command) -> None:
    routed = route_text(text)
    assert (routed.topic, routed.command) == (topic, command)


def test_a_menu_click_uses_the_same_table_as_text() -> None:
    routed = route(_event("CLICK", "BALANCE"))
    assert routed is not None and routed.command == c.QueryBalance() and routed.feature == "balance"


def test_an_unknown_menu_key_gets_the_help() -> None:
    routed = route(_event("CLICK", "NO_SUCH_KEY"))
    assert routed is not None and routed.command == c.Help(unknown=True)


def test_subscribe_is_welcomed_and_location_reports_are_only_stored() -> None:
    assert route(_event("subscribe")) is not None
    assert route(_event("LOCATION")) is None
    assert route(_event("TEMPLATESENDJOBFINISH")) is None


def test_media_messages_get_a_polite_answer() -> None:
    routed = route(InboundMessage("gh", "oUser", 1, "image", msg_id="1"))
    assert routed is not None and routed.command == c.Unsupported("image")


def test_every_switchable_feature_is_listed_once() -> None:
    names = features()
    assert {"bind", "balance"} <= set(names)
    assert len(names) == len(set(names))
