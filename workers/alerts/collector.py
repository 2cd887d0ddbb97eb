"""The alerts a batch of card events raises, collected in memory while the batch's events are
applied, then recorded in its transaction (outbound rows + `card_alerts` rows, one statement each)
and handed to the reply pool once it commits — at once, or at the end of a spending batch.

Each alert is a notice planned by `workers.delivery.outgoing`: a customer-service message for a
student within a grant of WeChat's, the template otherwise; the alert keeps the channel chosen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from events.campus_time import SHANGHAI
from events.notices import Notice
from store import outbound
from store.outbound import Message
from store.tables import CardAlert, table_of
from workers.alerts import queries
from workers.alerts.config import AlertConfig
from workers.delivery.outgoing import notices

#: Kinds the per-student daily cap counts; suspicious use and the summary always go out.
CAPPED = ("spending", "low_balance")

_INSERT = insert(table_of(CardAlert))


@dataclass
class AlertRow:
    """An alert: one recorded before this batch (`id` set), or one of this batch, written by `Alerts.write`."""

    openid: str
    student_no: str
    kind: str
    created_at: datetime
    #: What the student is told; None for one recorded before this batch (kept in its outbound row).
    notice: Notice | None = None
    open_until: datetime | None = None
    swipes: list[Any] | None = None
    once_key: str | None = None
    id: int | None = None
    outbound_id: int | None = None


@dataclass
class Alerts:
    """The alerts of a batch of card events, what the rules know of each holder's earlier ones (read
    once per batch by `load`, then kept up to date as the batch's events add theirs, so the batch
    behaves as its events would one after another), and what to do once the transaction commits."""

    session: Session
    config: AlertConfig
    now: datetime
    send_now: list[tuple[int, str]] = field(default_factory=list)
    send_at: list[tuple[int, str, datetime]] = field(default_factory=list)
    #: Money orders to hand to the relay (automatic top-up).
    orders: list[int] = field(default_factory=list)
    #: Each holder's latest spending alert within two coalescing windows (the batch a swipe may join).
    last_spending: dict[str, AlertRow] = field(default_factory=dict)
    #: Each holder's capped alerts today.
    capped_today: dict[str, int] = field(default_factory=dict)
    new: list[AlertRow] = field(default_factory=list)
    _once_keys: set[str] = field(default_factory=set)

    def load(self, openids: Iterable[str]) -> None:
        """Read the holders' recent spending alerts and today's capped count, once for the batch."""
        openids = list(openids)
        if not openids:
            return
        since = self.now - 2 * timedelta(seconds=self.config.coalesce_seconds)
        for r in self.session.execute(queries.SPENDING_SINCE, {"openids": openids, "since": since}):
            self.last_spending[r.openid] = AlertRow(r.openid, "", "spending", r.created_at, open_until=r.open_until,
                                                    swipes=r.swipes, id=r.id, outbound_id=r.outbound_id)
        self.capped_today = {openid: int(n) for openid, n in self.session.execute(queries.COUNTS_SINCE, {
            "openids": openids, "since": self.day_start, "kinds": list(CAPPED)})}

    @property
    def day_start(self) -> datetime:
        return datetime.combine(self.now.astimezone(SHANGHAI).date(), time(), SHANGHAI)

    def add(self, openid: str, student_no: str, kind: str, notice: Notice, *, open_until: datetime | None = None,
            swipes: list[Any] | None = None, once_key: str | None = None) -> AlertRow:
        """Record an alert; sent after the commit, or at `open_until`."""
        row = AlertRow(openid, student_no, kind, self.now, notice, open_until, swipes, once_key)
        self.new.append(row)
        if kind in CAPPED:
            self.capped_today[openid] = self.capped_today.get(openid, 0) + 1
        if kind == "spending":
            self.last_spending[openid] = row
        if once_key is not None:
            self._once_keys.add(once_key)
        return row

    def capped(self, openid: str) -> bool:
        """True once the holder had `daily_cap` capped alerts today (Asia/Shanghai): a flood guard."""
        return self.capped_today.get(openid, 0) >= self.config.daily_cap

    def once_taken(self, once_key: str) -> bool:
        return once_key in self._once_keys or self.session.execute(
            select(CardAlert.id).where(CardAlert.once_key == once_key)).first() is not None

    def write(self) -> None:
        """The batch's alerts into the transaction: their outbound rows, then their `card_alerts` rows."""
        if not self.new:
            return
        planned = self._plan()
        ids = outbound.add_many(self.session, planned)  # a notice is always recorded to be sent
        for row, message, outbound_id in zip(self.new, planned, ids, strict=True):
            row.outbound_id = outbound_id
            if row.open_until is None:
                self.send_now.append((outbound_id, message.channel))
            else:
                self.send_at.append((outbound_id, message.channel, row.open_until))
        self.session.execute(_INSERT, [
            {"openid": r.openid, "student_no": r.student_no, "kind": r.kind, "channel": m.channel,
             "outbound_id": r.outbound_id, "created_at": r.created_at, "open_until": r.open_until,
             "swipes": r.swipes, "once_key": r.once_key} for r, m in zip(self.new, planned, strict=True)])
        self.new = []

    def _plan(self) -> list[Message]:
        """The alerts' messages, in their order: one planning per moment they are held until (a
        spending batch is held from the sweeper until its minute is over), usually one or two."""
        held: dict[datetime | None, list[int]] = {}
        for i, row in enumerate(self.new):
            held.setdefault(row.open_until, []).append(i)
        planned: dict[int, Message] = {}
        for until, indexes in held.items():
            wanted: list[tuple[str, Notice]] = []
            for i in indexes:
                notice = self.new[i].notice
                assert notice is not None, "an alert of this batch is added with its notice"
                wanted.append((self.new[i].openid, notice))
            planned.update(zip(indexes, notices(self.session, wanted, self.now, until), strict=True))
        return [planned[i] for i in range(len(self.new))]
