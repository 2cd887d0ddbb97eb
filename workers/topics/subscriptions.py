"""退订 / 订阅: a user stops (or resumes) receiving news and announcements. Replies to them still flow."""

from __future__ import annotations

from events import commands as c
from store.tables import NotificationOptOut
from workers.runtime.registry import handles
from workers.runtime.turn import Turn


@handles(c.OptOut)
def opt_out(cmd: c.OptOut, turn: Turn) -> None:
    if turn.session.get(NotificationOptOut, turn.openid) is None:
        turn.session.add(NotificationOptOut(openid=turn.openid, at=turn.now))
    turn.say("已退订，您将不再收到新闻和公告推送（报修进度等与您相关的通知不受影响）。发送“订阅”可恢复。")


@handles(c.OptIn)
def opt_in(cmd: c.OptIn, turn: Turn) -> None:
    row = turn.session.get(NotificationOptOut, turn.openid)
    if row is not None:
        turn.session.delete(row)
    turn.say("已订阅，学校的新闻和公告会推送给您。发送“退订”可随时取消。")
