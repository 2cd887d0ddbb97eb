"""What a handler gets for one user turn: the stored event, the ports, and a place to put replies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from adapters.campusdata.port import CampusData
from adapters.cardsystem.port import CardSystem
from adapters.fees.port import FeeSystems
from events.commands import Command
from events.errors import PermanentError
from events.notices import Notice
from events.wechat_grants import Scenario
from store.tables import ServiceState
from workers.delivery.outgoing import Outgoing, as_notice
from workers.money.amounts import Limits
from workers.runtime.conversation import Memory


@dataclass(frozen=True)
class Ports:
    """The outside world a handler may touch. Built once per process by the composition root."""

    card: CardSystem
    secret_key: str
    sms_signature: str = "【校园一卡通】"
    clock: Callable[[], datetime] | None = None
    campus: CampusData | None = None
    #: Money: the limits users' amounts are checked against, and how to wake the outbox relay.
    limits: Limits = field(default_factory=Limits)
    wake_relay: Callable[[int], None] | None = None
    #: The fee systems, asked what a holder owes before a fee with a school-set amount is offered.
    fees: FeeSystems | None = None
    #: The web process as phones reach it: answers end with a link to their page under /m/ ("": none).
    web_url: str = ""
    #: How many card-system and campus-data reads one pool process holds in flight at once
    #: (`workers.runtime.read_ahead`): the threads they wait on.
    calls_in_flight: int = 128


@dataclass
class Turn:
    """One inbound event being handled: read what you need, say what to answer, in one transaction."""

    session: Session
    ports: Ports
    openid: str
    event_id: int
    now: datetime
    #: The end of the grant the user's move gave (a click's answer must leave within a minute).
    reply_deadline: datetime
    outgoing: list[Outgoing] = field(default_factory=list)
    #: Run once the turn's transaction committed (e.g. wake the relay for a confirmed order).
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: The functions the card office paused, and what their users hear (read once per group).
    paused: Mapping[str, str] = field(default_factory=dict)
    #: The group's conversation memories (`workers.runtime.conversation`); None: ask the session.
    memory: Memory | None = None
    #: The customer-service grant the user's move gave (`events.wechat_grants`) and when; None: none.
    grant: tuple[Scenario, datetime] | None = None

    def say(self, text: str) -> None:
        self.outgoing.append(Outgoing("wechat", self.openid, text))

    def recall(self, name: str) -> dict[str, Any] | None:
        """What the user's conversation kept under `name` (where "更多" continues), or None."""
        row = self._memory_row(name)
        return None if row is None else dict(row.data)

    def remember(self, name: str, data: dict[str, Any]) -> None:
        """Keep `data` under `name` for the user's next message, in this turn's transaction."""
        row = self._memory_row(name)
        if row is None:
            row = ServiceState(openid=self.openid, name=name, data=dict(data), updated_at=self.now)
            self.session.add(row)
            if self.memory is not None:
                self.memory.added(row)
        else:
            row.data = dict(data)
            row.updated_at = self.now

    def _memory_row(self, name: str) -> ServiceState | None:
        if self.memory is None:
            return self.session.get(ServiceState, (self.openid, name))
        return self.memory.row(self.openid, name)

    def sms(self, phone: str, text: str) -> None:
        self.outgoing.append(Outgoing("sms", phone, f"{self.ports.sms_signature}{text}"))

    def notify(self, openid: str, notice: Notice) -> None:
        """A notice that must reach `openid` (this turn's user or another): within a grant of theirs
        as a customer-service message, otherwise as its template."""
        self.outgoing.append(as_notice(openid, notice))


Handler = Callable[[Command, Turn], None]


def campus(turn: Turn) -> CampusData:
    """The school's public data store, or a permanent error where it is not configured."""
    if turn.ports.campus is None:
        raise PermanentError("the public data store is not configured (ONECARD_CAMPUS_DATA_URL)")
    return turn.ports.campus
