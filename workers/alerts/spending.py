"""Spending alerts: the first swipe is told at once; the card's next swipes within a minute of that
alert are collected into one message sent when the minute is over, so a breakfast of three swipes
is two messages, not three, and a flood of swipes is one message a minute."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from events.card_events import CardTransaction
from store.tables import AlertSetting, CardAlert, OutboundMessage
from workers.alerts import messages
from workers.alerts.outbox import Alerts


def wanted(setting: AlertSetting, tx: CardTransaction) -> bool:
    return setting.spend_on and tx.amount_fen < 0 and -tx.amount_fen >= setting.spend_min_fen


def alert(alerts: Alerts, setting: AlertSetting, student_no: str, tx: CardTransaction) -> str | None:
    """Record (or extend) the holder's spending alert; what was done, for the logs and tests."""
    if not wanted(setting, tx):
        return None
    session, now, openid = alerts.session, alerts.now, setting.openid
    template_id = alerts.config.template_id
    item = messages.swipe(tx.amount_fen, tx.merchant, tx.balance_fen, tx.occurred_at)
    last = session.execute(select(CardAlert).where(CardAlert.openid == openid, CardAlert.kind == "spending")
                           .order_by(CardAlert.id.desc()).limit(1)).scalar()
    if last is not None and last.open_until is not None and last.open_until > now:
        swipes = sorted([*(last.swipes or []), item], key=lambda s: str(s["at"]))
        extended = session.execute(
            update(OutboundMessage).where(OutboundMessage.id == last.outbound_id, OutboundMessage.status == "pending")
            .values(body=messages.spending(template_id, swipes)).execution_options(synchronize_session=False))
        if extended.rowcount == 1:  # type: ignore[attr-defined]
            last.swipes = swipes
            return "merged"
    if alerts.capped(openid):
        return "capped"
    window = timedelta(seconds=alerts.config.coalesce_seconds)
    last_at = None if last is None else (last.open_until or last.created_at)
    if last_at is not None and last_at > now - window:
        alerts.add(openid, student_no, "spending", messages.spending(template_id, [item]),
                   open_until=last_at + window, swipes=[item])
        return "batched"
    alerts.add(openid, student_no, "spending", messages.spending(template_id, [item]), swipes=[item])
    return "sent"
