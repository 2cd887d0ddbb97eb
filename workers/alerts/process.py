"""One card event, exactly once: its transaction, alerts, suspicious findings, automatic top-up and
the inbox's `processed` mark commit together, so a redelivery (the broker's, the sweeper's, or the
card system's own duplicate, already refused by the inbox) does nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from events.card_events import CardTransaction
from store import inbox
from store.db import begin_as_writer, retry_locked
from store.tables import AlertSetting, Binding, InboxEvent
from store.uow import UnitOfWork
from workers.alerts import balance, queries, spending, suspicious
from workers.alerts.config import AlertConfig
from workers.alerts.outbox import Alerts
from workers.money.amounts import Limits

log = logging.getLogger("onecard.alerts")

_OPENID = select(Binding.openid).where(Binding.student_no == bindparam("student_no"))


@dataclass(frozen=True)
class AlertPorts:
    """What the alerts pool needs besides the database: built once by the composition root."""

    config: AlertConfig
    limits: Limits
    #: Hand outbound rows to the reply pool now: [(id, channel)].
    deliver: Callable[[list[tuple[int, str]]], None]
    #: ...or at a later time (the end of a spending batch).
    deliver_at: Callable[[int, str, datetime], None]
    wake_relay: Callable[[int], None] | None = None
    clock: Callable[[], datetime] | None = None


class TakenMeanwhile(Exception):
    """Another delivery of one of the events committed first: this one keeps nothing."""


def process_card_event(event_id: int, *, uow: UnitOfWork, ports: AlertPorts) -> str:
    """Handle a stored card transaction; what happened (for logs and tests)."""
    try:
        return retry_locked(lambda: _handle([event_id], uow, ports), attempts=40)[0]
    except TakenMeanwhile:
        return "duplicate"


def process_card_events(event_ids: list[int], *, uow: UnitOfWork, ports: AlertPorts) -> list[str] | None:
    """Several card events in one transaction (the ingress hands a group commit's worth over as one
    message): one commit and one lock instead of one per event. None when they must run one by one
    (one failed, or another delivery took one meanwhile): nothing of the batch is kept then."""
    try:
        return retry_locked(lambda: _handle(list(dict.fromkeys(event_ids)), uow, ports), attempts=40)
    except Exception as exc:  # each runs again alone, where it fails (and is retried) by itself
        log.info("batch of %d card events runs one by one: %s: %s", len(event_ids), type(exc).__name__, exc)
        return None


def _handle(event_ids: list[int], uow: UnitOfWork, ports: AlertPorts) -> list[str]:
    with uow:
        session = uow.session
        begin_as_writer(session)
        rows = {r.id: r for r in session.execute(
            select(InboxEvent.id, InboxEvent.payload, InboxEvent.status).where(InboxEvent.id.in_(event_ids)))}
        alerts = Alerts(session, ports.config, ports.clock() if ports.clock else datetime.now(UTC))
        outcomes, taken = [], []
        for event_id in event_ids:
            row = rows.get(event_id)
            if row is None or row.status != "received":
                if row is None:
                    log.warning("card event %s not in the inbox", event_id)
                outcomes.append("missing" if row is None else "duplicate")
                continue
            outcomes.append(_apply(alerts, CardTransaction.from_payload(row.payload), event_id, ports.limits))
            taken.append(event_id)
        if taken and not inbox.mark_processed(session, taken):
            raise TakenMeanwhile()
        _after_commit(uow, alerts, ports)
        uow.commit()
        return outcomes


def _after_commit(uow: UnitOfWork, alerts: Alerts, ports: AlertPorts) -> None:
    """Hand the alerts to the reply pool (now, or at a batch's end) and the orders to the relay."""
    if alerts.send_now:
        uow.after_commit(lambda: ports.deliver(alerts.send_now))
    for outbound_id, channel, at in alerts.send_at:
        uow.after_commit(lambda oid=outbound_id, ch=channel, t=at: ports.deliver_at(oid, ch, t))  # type: ignore[misc]
    wake = ports.wake_relay
    if wake is not None:
        for order_id in alerts.orders:
            uow.after_commit(lambda oid=order_id: wake(oid))  # type: ignore[misc]


def _apply(alerts: Alerts, tx: CardTransaction, event_id: int, limits: Limits) -> str:
    session = alerts.session
    row_id = _store(alerts, tx, event_id)
    binding = session.execute(_OPENID, {"student_no": tx.student_no}).scalar()
    lost = balance.reported_lost(alerts, tx.student_no)
    done = [f"suspicious:{n}" for n in [suspicious.record(alerts, tx, row_id, lost, binding)] if n]
    if binding is None:
        return ",".join(done) or "unbound"
    # Locked for the transaction: two swipes of one card handled side by side take turns here.
    setting = session.get(AlertSetting, binding, with_for_update=True, populate_existing=True)
    if setting is None:
        return ",".join(done) or "no_alerts"
    done.append(f"spending:{spending.alert(alerts, setting, tx.student_no, tx)}")
    if balance.is_latest(setting, tx):
        done.append(f"low:{balance.low_balance(alerts, setting, tx.student_no, tx)}")
        topup = balance.automatic_topup(alerts, setting, tx.student_no, tx, limits=limits, event_id=event_id,
                                        lost=lost)
        done.append(f"topup:{topup}")
    else:
        done.append("late")
    return ",".join(done)


def _store(alerts: Alerts, tx: CardTransaction, event_id: int) -> int:
    """The transaction's row (kept once even if the card system reused its event id elsewhere)."""
    session = alerts.session
    new = session.execute(queries.store_transaction(session.get_bind().dialect.name), {
        "event_id": tx.event_id, "inbox_id": event_id, "student_no": tx.student_no, "card_no": tx.card_no,
        "amount_fen": tx.amount_fen, "balance_fen": tx.balance_fen, "merchant": tx.merchant,
        "terminal": tx.terminal, "occurred_at": tx.occurred_at, "received_at": alerts.now}).scalar()
    if new is not None:
        return int(new)
    return int(session.execute(queries.TRANSACTION_ID, {"event_id": tx.event_id}).scalar_one())
