"""Low balance and automatic top-up: both act when the balance crosses below a threshold, once, and
are armed again only when it rises above. The latest balance is the one of the latest transaction
(by when it happened), so an event that arrives late cannot warn about a balance already past."""

from __future__ import annotations

from events.campus_time import SHANGHAI
from events.card_events import CardTransaction
from events.money_kinds import TOPUP
from store.tables import AlertSetting
from workers.alerts import messages
from workers.alerts.collector import Alerts
from workers.money import start as money
from workers.money.amounts import Limits


def is_latest(setting: AlertSetting, tx: CardTransaction) -> bool:
    """Record the transaction's balance if it is the latest known; False for one that arrived late."""
    if setting.balance_at is not None and tx.occurred_at < setting.balance_at:
        return False
    setting.balance_fen, setting.balance_at = tx.balance_fen, tx.occurred_at
    return True


def low_balance(alerts: Alerts, setting: AlertSetting, student_no: str, tx: CardTransaction) -> str | None:
    threshold = setting.low_balance_fen
    if threshold is None:
        return None
    if tx.balance_fen >= threshold:
        setting.low_armed = True
        return None
    if not setting.low_armed:
        return None
    setting.low_armed = False
    if alerts.capped(setting.openid):
        return "capped"
    alerts.add(setting.openid, student_no, "low_balance",
               messages.low_balance(tx.balance_fen, threshold, tx.card_no, tx.occurred_at))
    return "sent"


def automatic_topup(alerts: Alerts, setting: AlertSetting, student_no: str, tx: CardTransaction, *,
                    limits: Limits, event_id: int, lost: bool) -> str | None:
    """Crossing below the threshold starts an ordinary top-up order (outbox, relay, receipt), at most
    once per holder per day, refused as any top-up is (`workers.money.start`): never for a lost card
    (`lost`: reported in WeChat), a paused 充值, or over the limits (the holder is told why)."""
    below, amount = setting.topup_below_fen, setting.topup_fen
    if setting.topup_state != "on" or below is None or amount is None:
        return None
    if tx.balance_fen >= below:
        setting.topup_armed = True
        return None
    if not setting.topup_armed:
        return None
    setting.topup_armed = False
    once_key = f"autotopup:{student_no}:{alerts.now.astimezone(SHANGHAI).date().isoformat()}"
    if alerts.once_taken(once_key):
        return "done_today"
    openid = setting.openid
    known = "lost" if lost else "normal"  # what the pool knows (挂失 in WeChat): no outside call in its batch
    try:
        # Its receipt is a notice (`workers.money.receipts`): no reply deadline, it reaches the student anyway.
        order = money.start(alerts.session, lambda _no: known, openid=openid, kind=TOPUP, amount=amount,
                            limits=limits, now=alerts.now,
                            confirmed=money.Confirmed(expires_at=alerts.now, first_step_at=alerts.now,
                                                      event_id=event_id))
    except money.Refused as refused:
        if refused.reason.startswith("card_"):
            return "lost"
        alerts.add(openid, student_no, "autotopup",
                   messages.topup_refused(amount, below, tx.balance_fen, str(refused), alerts.now), once_key=once_key)
        return "refused"
    alerts.orders.append(order.id)
    alerts.add(openid, student_no, "autotopup",
               messages.topup_ordered(amount, below, tx.balance_fen, order.order_no, alerts.now), once_key=once_key)
    return "ordered"
