"""Spending alerts: the first swipe is told at once; the card's next swipes within a minute of that
alert are collected into one message sent when the minute is over, so a breakfast of three swipes
is two messages, not three, and a flood of swipes is one message a minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, update

from events.card_events import CardTransaction
from events.notices import Notice
from store.db import rowcount
from store.tables import AlertSetting, CardAlert, OutboundMessage, table_of
from workers.alerts import messages
from workers.alerts.collector import AlertRow, Alerts

_OUT, _ALERT = table_of(OutboundMessage), table_of(CardAlert)
#: A batch still waiting for its minute takes one more swipe, unless the reply pool took it meanwhile:
#: its text and its notice together, so the customer-service message and the template say the same.
_EXTEND = (update(_OUT).where(_OUT.c.id == bindparam("oid"), _OUT.c.status == "pending")
           .values(body=bindparam("body"), notice=bindparam("notice")))
_KEEP_SWIPES = update(_ALERT).where(_ALERT.c.id == bindparam("aid")).values(swipes=bindparam("swipes"))


def wanted(setting: AlertSetting, tx: CardTransaction) -> bool:
    return setting.spend_on and tx.amount_fen < 0 and -tx.amount_fen >= setting.spend_min_fen


def alert(alerts: Alerts, setting: AlertSetting, student_no: str, tx: CardTransaction) -> str | None:
    """Record (or extend) the holder's spending alert; what was done, for the logs and tests."""
    if not wanted(setting, tx):
        return None
    now, openid = alerts.now, setting.openid
    item = messages.swipe(tx.amount_fen, tx.merchant, tx.balance_fen, tx.occurred_at)
    window = timedelta(seconds=alerts.config.coalesce_seconds)
    last = alerts.last_spending.get(openid)
    if last is not None and last.open_until is not None and last.open_until > now:
        swipes = sorted([*(last.swipes or []), item], key=lambda s: str(s["at"]))
        if _extend(alerts, last, swipes, messages.spending(swipes)):
            return "merged"
    if alerts.capped(openid):
        return "capped"
    last_at = None if last is None else (last.open_until or last.created_at)
    if last_at is not None and last_at > now - window:
        alerts.add(openid, student_no, "spending", messages.spending([item]), open_until=last_at + window,
                   swipes=[item])
        return "batched"
    alerts.add(openid, student_no, "spending", messages.spending([item]), swipes=[item])
    return "sent"


def _extend(alerts: Alerts, last: AlertRow, swipes: list[Any], notice: Notice) -> bool:
    """Put the batch's swipes in its message; False when the reply pool took it meanwhile."""
    if last.id is None:  # recorded by this batch of events: not written yet
        last.swipes, last.notice = swipes, notice
        return True
    extended = alerts.session.execute(_EXTEND, {"oid": last.outbound_id, "body": notice.text,
                                                "notice": notice.to_json()})
    if rowcount(extended) != 1:
        return False
    alerts.session.execute(_KEEP_SWIPES, {"aid": last.id, "swipes": swipes})
    last.swipes = swipes
    return True
