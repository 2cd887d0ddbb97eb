"""Where a card event's alerts go: recorded in the event's transaction (outbound row + `card_alerts`
row), handed to the reply pool once it commits — at once, or at the end of a spending batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from events.campus_time import SHANGHAI
from store import outbound
from store.tables import CardAlert
from workers.alerts import queries
from workers.alerts.config import AlertConfig

#: Kinds the per-student daily cap counts; suspicious use and the summary always go out.
CAPPED = ("spending", "low_balance")


@dataclass
class Alerts:
    """The alerts of one card event, and what to do once its transaction commits."""

    session: Session
    config: AlertConfig
    now: datetime
    send_now: list[tuple[int, str]] = field(default_factory=list)
    send_at: list[tuple[int, str, datetime]] = field(default_factory=list)
    #: Money orders to hand to the relay (automatic top-up).
    orders: list[int] = field(default_factory=list)

    def add(self, openid: str, student_no: str, kind: str, body: str, *, open_until: datetime | None = None,
            swipes: list[Any] | None = None, once_key: str | None = None) -> CardAlert:
        """Record an alert (a template message); sent after the commit, or at `open_until`."""
        row = outbound.add(self.session, channel="template", recipient=openid, body=body)
        if open_until is not None:  # the sweeper must not send a batch before its time
            row.claimed_until = open_until
        self.session.flush()
        alert = CardAlert(openid=openid, student_no=student_no, kind=kind, channel="template", outbound_id=row.id,
                          created_at=self.now, open_until=open_until, swipes=swipes, once_key=once_key)
        self.session.add(alert)
        if open_until is None:
            self.send_now.append((row.id, "template"))
        else:
            self.send_at.append((row.id, "template", open_until))
        return alert

    def capped(self, openid: str) -> bool:
        """True once the holder had `daily_cap` capped alerts today (Asia/Shanghai): a flood guard."""
        day_start = datetime.combine(self.now.astimezone(SHANGHAI).date(), time(), SHANGHAI)
        sent = self.session.execute(queries.COUNT_SINCE, {"openid": openid, "since": day_start,
                                                         "kinds": list(CAPPED)}).scalar_one()
        return int(sent) >= self.config.daily_cap

    def once_taken(self, once_key: str) -> bool:
        return self.session.execute(select(CardAlert.id).where(CardAlert.once_key == once_key)).first() is not None
