"""The general topic: welcome, help, and polite answers to what we do not serve."""

from __future__ import annotations

from events import commands as c
from events.routing import help_lines, help_modules
from workers.runtime.registry import handles
from workers.runtime.turn import Turn

WELCOME = "欢迎关注校园一卡通！绑定校园卡后即可在微信中查询余额、充值缴费。"


def help_text() -> str:
    modules = "、".join(help_modules())
    return "可用功能：\n" + "\n".join(help_lines()) + f"\n发送“帮助 模块名”查看更多功能：{modules}"


def module_help(module: str) -> str | None:
    """One module's commands ("帮助 校园卡"); None for a name that is not a module."""
    lines = help_lines(module) if module in help_modules() else []
    return f"{module}：\n" + "\n".join(lines) if lines else None


@handles(c.Welcome)
def welcome(cmd: c.Welcome, turn: Turn) -> None:
    turn.say(f"{WELCOME}\n\n{help_text()}")


@handles(c.Help)
def show_help(cmd: c.Help, turn: Turn) -> None:
    if cmd.topic and (text := module_help(cmd.topic)):
        turn.say(text)
        return
    prefix = "抱歉，没有理解您的意思。\n" if cmd.unknown else ""
    turn.say(prefix + help_text())


@handles(c.Unsupported)
def unsupported(cmd: c.Unsupported, turn: Turn) -> None:
    turn.say("暂不支持此类消息。请发送文字指令，发送“帮助”查看可用功能。")


@handles(c.Unsubscribed)
def unsubscribed(cmd: c.Unsubscribed, turn: Turn) -> None:
    """Nothing to say (WeChat would not deliver it); the follower record is updated by dispatch."""
