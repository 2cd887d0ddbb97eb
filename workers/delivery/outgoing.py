"""How each message goes: the one place that decides between a customer-service message, a
template message and not sending, by the recipient's grants (`store.grants`).

Every sender records through here (a turn's replies, money receipts, alerts, pushes, broadcasts),
and the reply worker sends what was recorded. A **reply** goes only within a grant: when a turn
says more than its grant allows, its replies are joined into one message; with no grant left it
is recorded as `no_grant` and never attempted. A **notice** (`events.notices.Notice`) must arrive:
a customer-service message while a grant lasts, otherwise its template, never both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from events.notices import Notice
from store.grants import Allowance
from store.outbound import Message

#: Replies of one turn joined into one customer-service message are set apart by an empty line.
JOINED = "\n\n"


@dataclass
class Outgoing:
    """What a handler said: a reply or SMS (`notice` None), or a notice to any user."""

    channel: str  # wechat | sms
    recipient: str
    body: str
    notice: Notice | None = None


def as_notice(openid: str, notice: Notice) -> Outgoing:
    return Outgoing("wechat", openid, notice.text, notice)


def plan(outgoing: Sequence[Outgoing], allowance: Allowance) -> list[Message]:
    """The messages to record for what one turn (or one sender) said, spending `allowance`.

    Replies take the grant first, whatever their order: a notice still arrives as its template
    without one, a reply would not arrive at all.
    """
    replies: dict[str, list[int]] = {}
    for i, said in enumerate(outgoing):
        if said.channel == "wechat" and said.notice is None:
            replies.setdefault(said.recipient, []).append(i)
    bodies = {i: said.body for i, said in enumerate(outgoing)}
    dropped: set[int] = set()
    for openid, indexes in replies.items():
        left = allowance.available(openid)
        if left is not None and 1 <= left < len(indexes):
            # One message instead of several: the last ones said it all only together with the first.
            bodies[indexes[0]] = JOINED.join(outgoing[i].body for i in indexes)
            dropped.update(indexes[1:])
    send_by = {i: allowance.take(outgoing[i].recipient) for indexes in replies.values() for i in indexes
               if i not in dropped}
    messages: list[Message] = []
    for i, said in enumerate(outgoing):
        if i in dropped:
            continue
        if said.channel != "wechat":
            messages.append(Message(said.channel, said.recipient, said.body))
            continue
        if said.notice is None:
            until = send_by[i]
            messages.append(Message("wechat", said.recipient, bodies[i], expires_at=until) if until is not None
                            else Message("wechat", said.recipient, bodies[i], status="no_grant"))
            continue
        until = allowance.take(said.recipient)
        notice = said.notice.to_json()
        messages.append(Message("wechat", said.recipient, said.body, expires_at=until, notice=notice)
                        if until is not None else Message("template", said.recipient, said.body, notice=notice))
    return messages


def notices(session: Session, sent: Iterable[tuple[str, Notice]], now: datetime,
            held_until: datetime | None = None) -> list[Message]:
    """The messages for notices to users outside any turn: their grants read, spent and saved."""
    wanted = list(sent)
    allowance = Allowance.load(session, (openid for openid, _ in wanted), now)
    messages = [m if held_until is None else replace(m, held_until=held_until)
                for m in plan([as_notice(openid, notice) for openid, notice in wanted], allowance)]
    allowance.save(session)
    return messages

