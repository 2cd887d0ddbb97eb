"""What a handler gets for one user turn: the stored event, the ports, and a place to put replies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from adapters.cardsystem.port import CardSystem
from events.commands import Command


@dataclass(frozen=True)
class Ports:
    """The outside world a handler may touch. Built once per process by the composition root."""

    card: CardSystem
    secret_key: str
    sms_signature: str = "【校园一卡通】"
    clock: Callable[[], datetime] | None = None


@dataclass
class Outgoing:
    channel: str  # wechat | sms
    recipient: str
    body: str


@dataclass
class Turn:
    """One inbound event being handled: read what you need, say what to answer, in one transaction."""

    session: Session
    ports: Ports
    openid: str
    event_id: int
    now: datetime
    #: After this a reply is pointless (a click's answer must leave within a minute).
    reply_deadline: datetime
    outgoing: list[Outgoing] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.outgoing.append(Outgoing("wechat", self.openid, text))

    def sms(self, phone: str, text: str) -> None:
        self.outgoing.append(Outgoing("sms", phone, f"{self.ports.sms_signature}{text}"))


Handler = Callable[[Command, Turn], None]

#: WeChat's customer-service windows: 48 h after a message, 1 minute after a click or subscribe.
MESSAGE_WINDOW = timedelta(hours=48)
CLICK_WINDOW = timedelta(minutes=1)
