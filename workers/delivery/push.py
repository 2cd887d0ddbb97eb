"""Notices outside a turn (a repair update, a due book, a binding a clerk removed): recorded in the
caller's transaction by the one planner (`workers.delivery.outgoing`), sent by the reply worker once
it commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from events.notices import Notice
from store import outbound
from store.uow import UnitOfWork
from workers.delivery.outgoing import notices

#: How each way of reaching a user reads to a clerk.
CHANNEL_LABELS = {"wechat": "客服消息", "template": "模板消息", "sms": "短信"}


@dataclass(frozen=True)
class Pusher:
    """The one way to reach a user outside a turn (back-office, scheduler): recorded in the caller's
    transaction, delivered by the reply worker once it commits."""

    #: Enqueue outbound rows for the reply worker: [(outbound id, channel)].
    deliver: Callable[[list[tuple[int, str]]], None]

    def push(self, uow: UnitOfWork, openid: str, notice: Notice, now: datetime) -> int:
        """Record the notice in `uow`'s transaction; returns the outbound row's id."""
        (message,) = notices(uow.session, [(openid, notice)], now)
        row = outbound.add(uow.session, message)
        uow.session.flush()
        sent = [(row.id, row.channel)]
        uow.after_commit(lambda: self.deliver(sent))
        return row.id
