"""The general topic: welcome, help, the menu as text, and short answers to what we do not read.

Everything listed here leaves out what the card office has switched off (`Turn.paused`):
a student is never offered a function that would only answer "暂停服务".
"""

from __future__ import annotations

from collections.abc import Collection

from events import commands as c
from events.menu import MENU, PICKERS, Click
from events.routing import help_lines, help_modules, route_menu_key, rule_for
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.topics.guide import render_article
from workers.topics.news import find_by_keyword

WELCOME = "欢迎关注校园一卡通！绑定校园卡后即可在微信中查询余额、充值缴费。"
NOT_UNDERSTOOD = "没看懂“{text}”。请点下方菜单，或发送“帮助”查看全部功能、“菜单”查看菜单。"


def help_text(off: Collection[str] = ()) -> str:
    modules = "、".join(help_modules(off))
    return "可用功能：\n" + "\n".join(help_lines(off=off)) + f"\n发送“帮助 模块名”查看更多功能：{modules}"


def module_help(module: str, off: Collection[str] = ()) -> str | None:
    """One module's commands ("帮助 校园卡"); None for a name that is not a module (or all of it is off)."""
    lines = help_lines(module, off) if module in help_modules(off) else []
    return f"{module}：\n" + "\n".join(lines) if lines else None


def menu_text(off: Collection[str] = ()) -> str:
    """The custom menu as a student reads it, for `菜单` (or a phone that does not show it)."""
    rows = []
    for name, items in MENU:
        labels = [i.label for i in items
                  if not isinstance(i, Click) or route_menu_key(i.key).feature not in off]
        rows.append(f"【{name}】" + "、".join(labels))
    return "菜单：\n" + "\n".join(rows) + "\n点下方菜单，或直接发送功能名，如“余额”；发送“帮助”查看用法。"


def picker_text(picker: str, off: Collection[str] = ()) -> str | None:
    """A picker's reply: each offered command's usage line, what is off left out; None if all of it is."""
    title, words = PICKERS[picker]
    lines = []
    for word in words:
        rule = rule_for(word)
        if rule is not None and rule.usage and rule.feature not in off and rule.usage not in lines:
            lines.append(rule.usage)
    return f"{title}，请发送：\n" + "\n".join(f"· {line}" for line in lines) if lines else None


@handles(c.Welcome)
def welcome(cmd: c.Welcome, turn: Turn) -> None:
    turn.say(f"{WELCOME}\n\n{help_text(frozenset(turn.paused))}")


@handles(c.Help)
def show_help(cmd: c.Help, turn: Turn) -> None:
    off = frozenset(turn.paused)
    if cmd.topic and (text := module_help(cmd.topic, off)):
        turn.say(text)
        return
    if cmd.unknown:
        turn.say("这个按钮已不再使用。请点下方菜单，或发送“帮助”查看全部功能。")
        return
    turn.say(help_text(off))


@handles(c.ShowMenu)
def show_menu(cmd: c.ShowMenu, turn: Turn) -> None:
    off = frozenset(turn.paused)
    if cmd.picker in PICKERS:
        turn.say(picker_text(cmd.picker, off) or "这些功能暂停服务，请稍后再试。")
        return
    turn.say(menu_text(off))


@handles(c.NotUnderstood)
def not_understood(cmd: c.NotUnderstood, turn: Turn) -> None:
    """An article keyword set in the back-office brings the article ("用户发送即可查看"); else a pointer."""
    article = find_by_keyword(turn.session, cmd.text) if cmd.text else None
    if article is not None:
        turn.say(render_article(article))
        return
    rule = rule_for(cmd.text.split(" ")[0]) if cmd.text else None
    if rule is not None and rule.usage:  # a known word with what it needs missing or wrong: `绑定`
        turn.say(f"请这样发送：{rule.usage}")
        return
    text = cmd.text if len(cmd.text) <= 12 else cmd.text[:12] + "…"
    turn.say(NOT_UNDERSTOOD.format(text=text))


@handles(c.Unsupported)
def unsupported(cmd: c.Unsupported, turn: Turn) -> None:
    turn.say("暂不支持此类消息。请发送文字指令，发送“帮助”查看可用功能。")


@handles(c.Unsubscribed)
def unsubscribed(cmd: c.Unsubscribed, turn: Turn) -> None:
    """Nothing to say (WeChat would not deliver it); the follower record is updated by dispatch."""
