"""Messages nobody asked for (a found card, a repair update, a due book): pick the path WeChat allows.

Customer-service messages only reach users who spoke to the account within 48 hours; everyone
else gets the notice template. Both go out through the outbound table and the reply worker, so a
push is recorded in the transaction that caused it and sent once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from events.wechat_windows import MESSAGE_WINDOW, QUEUED_WINDOW
from store import outbound
from store.tables import Follower
from store.uow import UnitOfWork
from workers.text.format import local_time

#: How each way of reaching a user reads to a clerk. Broadcast rows call the customer-service
#: message "custom", replies and pushes "wechat": the same channel, one name on the page.
CHANNEL_LABELS = {"wechat": "客服消息", "custom": "客服消息", "template": "模板消息", "sms": "短信"}

#: WeChat's window is 48 h; keep an hour's margin for the queue.
CUSTOM_WINDOW = QUEUED_WINDOW
WINDOW = MESSAGE_WINDOW


def in_window(follower: Follower | None, now: datetime) -> bool:
    return follower is not None and follower.subscribed and now - follower.last_interaction_at < CUSTOM_WINDOW


def template_data(title: str, text: str, now: datetime) -> dict[str, dict[str, str]]:
    """The notice template's fields (WeChat no longer shows `first`/`remark`, so none are used)."""
    return {"title": {"value": title[:20]}, "time": {"value": local_time(now)}, "content": {"value": text[:200]}}


def template_body(template_id: str, title: str, text: str, now: datetime) -> str:
    """The outbound body of a template message: what `reply.deliver` hands to send_template."""
    return json.dumps({"template_id": template_id, "data": template_data(title, text, now)}, ensure_ascii=False)


def choose(session: Session, openid: str, title: str, text: str, now: datetime,
           template_id: str) -> tuple[str, str, datetime | None]:
    """(channel, body, expires_at) for a push to `openid` right now."""
    follower = session.get(Follower, openid)
    if in_window(follower, now):
        assert follower is not None
        return "wechat", f"【{title}】\n{text}", follower.last_interaction_at + WINDOW
    return "template", template_body(template_id, title, text, now), None


@dataclass(frozen=True)
class Pusher:
    """The one way to reach a user outside a turn (back-office, scheduler, a broadcast's sender):
    recorded in the caller's transaction, delivered by the reply worker once it commits."""

    #: Enqueue an outbound row for the reply worker: (outbound id, channel).
    deliver: Callable[[int, str], None]
    template_id: str

    def push(self, uow: UnitOfWork, openid: str, title: str, text: str, now: datetime) -> int:
        """Record the push in `uow`'s transaction; returns the outbound row's id."""
        channel, body, expires_at = choose(uow.session, openid, title, text, now, self.template_id)
        row = outbound.add(uow.session, channel=channel, recipient=openid, body=body, expires_at=expires_at)
        uow.session.flush()
        row_id = row.id
        uow.after_commit(lambda: self.deliver(row_id, channel))
        return row_id
