"""One card event, exactly once: its transaction, alerts, suspicious findings, automatic top-up and
the inbox's `processed` mark commit together, so a redelivery (the broker's, the sweeper's, or the
card system's own duplicate, already refused by the inbox) does nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from events.card_events import CardTransaction
from store import inbox
from store.db import begin_as_writer, retry_locked
from store.tables import InboxEvent
from store.uow import UnitOfWork
from workers.alerts import balance, batch, queries, spending, suspicious
from workers.alerts.config import AlertConfig
from workers.alerts.outbox import Alerts
from workers.money.amounts import Limits

log = logging.getLogger("onecard.alerts")


@dataclass(frozen=True)
class AlertPorts:
    """What the alerts pool needs besides the database: built once by the composition root."""

    config: AlertConfig
    limits: Limits
    #: Hand outbound rows to the reply pool now: [(id, channel)].
    deliver: Callable[[list[tuple[int, str]]], None]
    #: ...or at a later time (the end of spending batches): [(id, channel)] due then.
    deliver_at: Callable[[list[tuple[int, str]], datetime], None]
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
    """Several card events in one transaction (what the pool's threads hold at once): every holder's
    state read once and one commit, instead of a dozen statements per event. An outcome per id
    given. None when they must run one by one (one failed, or another delivery took one
    meanwhile): nothing of the batch is kept then."""
    unique = list(dict.fromkeys(event_ids))  # one event handed in twice (the sweeper's and the ingress's)
    try:
        outcomes = dict(zip(unique, retry_locked(lambda: _handle(unique, uow, ports), attempts=40), strict=True))
        return [outcomes[event_id] for event_id in event_ids]
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
        outcomes: dict[int, str] = {}
        taken: list[tuple[int, CardTransaction]] = []
        for event_id in event_ids:
            row = rows.get(event_id)
            if row is None or row.status != "received":
                if row is None:
                    log.warning("card event %s not in the inbox", event_id)
                outcomes[event_id] = "missing" if row is None else "duplicate"
                continue
            taken.append((event_id, CardTransaction.from_payload(row.payload)))
        known = batch.read(session, [tx for _, tx in taken], alerts)
        stored = _store(alerts, taken)
        for event_id, tx in taken:  # in order: each sees what the ones before it did
            outcomes[event_id] = _apply(alerts, known, tx, event_id, stored[event_id], ports.limits)
        alerts.write()
        if taken and not inbox.mark_processed(session, [event_id for event_id, _ in taken]):
            raise TakenMeanwhile()
        _after_commit(uow, alerts, ports)
        uow.commit()
        return [outcomes[event_id] for event_id in event_ids]


#: A spending batch's delivery waits for the end of its minute rounded up to this: the batches
#: ending within one step share one delayed broker message.
DUE_STEP_MS = 1000


def _after_commit(uow: UnitOfWork, alerts: Alerts, ports: AlertPorts) -> None:
    """Hand the alerts to the reply pool (now, or at a batch's end) and the orders to the relay."""
    if alerts.send_now:
        uow.after_commit(lambda: ports.deliver(alerts.send_now))
    due: dict[int, list[tuple[int, str]]] = {}
    for outbound_id, channel, at in alerts.send_at:
        step = -(-int(at.timestamp() * 1000) // DUE_STEP_MS)  # never before the batch's minute is over
        due.setdefault(step, []).append((outbound_id, channel))
    for step, items in due.items():
        at = datetime.fromtimestamp(step * DUE_STEP_MS / 1000, UTC)
        uow.after_commit(lambda items=items, at=at: ports.deliver_at(items, at))  # type: ignore[misc]
    wake = ports.wake_relay
    if wake is not None:
        for order_id in alerts.orders:
            uow.after_commit(lambda oid=order_id: wake(oid))  # type: ignore[misc]


def _apply(alerts: Alerts, known: batch.Known, tx: CardTransaction, event_id: int, stored: tuple[int, bool],
           limits: Limits) -> str:
    row_id, new = stored
    if new:
        known.stored(tx.student_no, batch.Stored(row_id, tx.terminal, tx.occurred_at, tx.amount_fen))
    binding = known.openids.get(tx.student_no)
    lost = tx.student_no in known.lost
    done = [f"suspicious:{n}" for n in [suspicious.record(alerts, known, tx, row_id, lost, binding)] if n]
    if binding is None:
        return ",".join(done) or "unbound"
    setting = known.settings.get(binding)
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


def _store(alerts: Alerts, taken: list[tuple[int, CardTransaction]]) -> dict[int, tuple[int, bool]]:
    """The transactions' rows, one statement for the new ones: inbox id -> (row id, whether this
    event stored it). A row is kept once even if the card system reused its event id elsewhere."""
    session = alerts.session
    first: dict[str, int] = {}
    params = []
    for event_id, tx in taken:
        if tx.event_id in first:
            continue
        first[tx.event_id] = event_id
        params.append({"event_id": tx.event_id, "inbox_id": event_id, "student_no": tx.student_no,
                       "card_no": tx.card_no, "amount_fen": tx.amount_fen, "balance_fen": tx.balance_fen,
                       "merchant": tx.merchant, "terminal": tx.terminal, "occurred_at": tx.occurred_at,
                       "received_at": alerts.now})
    if not params:
        return {}
    ids = {r.event_id: int(r.id) for r in session.execute(
        queries.store_transactions(session.get_bind().dialect.name), params)}
    inserted = set(ids)
    missing = [p["event_id"] for p in params if p["event_id"] not in ids]
    if missing:
        ids.update({r.event_id: int(r.id) for r in session.execute(queries.TRANSACTION_IDS, {"event_ids": missing})})
    return {event_id: (ids[tx.event_id], tx.event_id in inserted and first[tx.event_id] == event_id)
            for event_id, tx in taken}
