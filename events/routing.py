"""The one table from WeChat text keywords, menu keys and event types to a topic and a command.

Ingress calls `route` to pick the queue; the worker calls it again on the stored message to get
the command, so both always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from events import commands as c
from events.messages import InboundMessage
from events.topics import Topic

Builder = Callable[[str], c.Command | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """Words (or a menu key) that start a command; `build` gets the text after the word."""

    topic: Topic
    words: tuple[str, ...]
    build: Builder
    menu_key: str | None = None
    usage: str = ""
    #: The switch in the back-office that can pause this function (None: never paused).
    feature: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    topic: Topic
    command: c.Command
    feature: str | None = None


_STUDENT_NO = re.compile(r"^[0-9A-Za-z]{4,20}$")
_CODE = re.compile(r"^\d{6}$")


def _start_bind(args: str) -> c.Command | None:
    student_no = args.strip()
    return c.StartBind(student_no) if _STUDENT_NO.match(student_no) else None


RULES: tuple[Rule, ...] = (
    Rule(Topic.BIND, ("绑定", "bind"), _start_bind, usage="绑定 学号 —— 绑定校园卡（短信验证）", feature="bind"),
    Rule(Topic.BIND, ("解绑", "unbind"), lambda _: c.Unbind(), menu_key="UNBIND", usage="解绑 —— 解除绑定",
         feature="bind"),
    Rule(Topic.QUERY, ("余额", "balance"), lambda _: c.QueryBalance(), menu_key="BALANCE",
         usage="余额 —— 查询校园卡余额", feature="balance"),
    Rule(Topic.GENERAL, ("帮助", "help", "?", "？"), lambda _: c.Help(), menu_key="HELP",
         usage="帮助 —— 显示本说明"),
)

#: Message types a user sends that we do not serve, answered politely.
UNSUPPORTED_MESSAGES = frozenset({"image", "voice", "video", "shortvideo", "location", "link", "file"})


def _find_rule(word: str) -> Rule | None:
    lowered = word.lower()
    for rule in RULES:
        if lowered in rule.words:
            return rule
    return None


def route_text(text: str) -> Route:
    text = text.strip()
    if _CODE.match(text):
        return Route(Topic.BIND, c.VerifyCode(text), "bind")
    word, _, args = text.partition(" ")
    rule = _find_rule(word)
    # "绑定20240001" without a space is how people type on a phone.
    if rule is None:
        for candidate in RULES:
            for w in candidate.words:
                if len(w) > 1 and text.lower().startswith(w) and text[len(w):].strip():
                    rule, args = candidate, text[len(w):]
                    break
            if rule:
                break
    if rule is not None:
        command = rule.build(args)
        if command is not None:
            return Route(rule.topic, command, rule.feature)
    return Route(Topic.GENERAL, c.Help(unknown=True))


def route_menu_key(key: str) -> Route:
    for rule in RULES:
        if rule.menu_key is not None and rule.menu_key == key:
            command = rule.build("")
            if command is not None:
                return Route(rule.topic, command, rule.feature)
    return Route(Topic.GENERAL, c.Help(unknown=True))


def route(msg: InboundMessage) -> Route | None:
    """The topic and command for a callback; None means: store it, answer nothing."""
    if msg.msg_type == "text":
        return route_text(msg.content or "")
    if msg.msg_type in UNSUPPORTED_MESSAGES:
        return Route(Topic.GENERAL, c.Unsupported(msg.msg_type))
    if msg.msg_type != "event":
        return None
    event = (msg.event or "").lower()
    if event == "subscribe":
        return Route(Topic.GENERAL, c.Welcome())
    if event == "unsubscribe":
        return Route(Topic.GENERAL, c.Unsubscribed())
    if event == "click":
        return route_menu_key(msg.event_key or "")
    return None


def help_lines() -> list[str]:
    return [rule.usage for rule in RULES if rule.usage]


def features() -> list[str]:
    """Every switchable function, in the order of the routing table."""
    return list(dict.fromkeys(rule.feature for rule in RULES if rule.feature))
