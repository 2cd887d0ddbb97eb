"""Tell a WeChat user something on the office's initiative: an outbound row now, delivery after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from store import outbound
from store.tables import Follower
from store.uow import UnitOfWork
from workers.runtime.turn import MESSAGE_WINDOW


def notify(uow: UnitOfWork, deliver: Callable[[int, str], None], openid: str, text: str, seq: int = 0) -> int:
    """Record a customer-service message to `openid`; the reply worker sends it once committed.

    WeChat refuses such messages 48 h after the user last spoke, so the row expires then.
    """
    follower = uow.session.get(Follower, openid)
    expires: datetime | None = follower.last_interaction_at + MESSAGE_WINDOW if follower else None
    row = outbound.add(uow.session, channel="wechat", recipient=openid, body=text, seq=seq, expires_at=expires)
    uow.session.flush()
    uow.after_commit(lambda: deliver(row.id, "wechat"))
    return row.id
