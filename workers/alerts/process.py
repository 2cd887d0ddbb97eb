"""Card transactions as a source of the inbox pipeline: a transaction's row, alerts, suspicious
findings and automatic top-up commit with the event's `processed` mark (`pipeline.Pipeline`), so a
redelivery (the broker's, the sweeper's, or the card system's own duplicate, already refused by the
inbox) does nothing twice."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from events.card_events import CardTransaction
from store.uow import UnitOfWork
from workers.alerts import batch, queries, spending, suspicious, thresholds
from workers.alerts.collector import Alerts
from workers.alerts.config import AlertConfig
from workers.money.amounts import Limits
from workers.runtime.pipeline import Event


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


class CardEvents:
    """The `Source` of card transactions: a group's holders' state read once, its events applied in
    order (each sees what the ones before it did), one statement per kind of write."""

    name = "card"

    def __init__(self, ports: AlertPorts) -> None:
        self.ports = ports

    def prepare(self, event_ids: Sequence[int]) -> tuple[None, set[int]]:
        return None, set()

    def handle(self, uow: UnitOfWork, events: Sequence[Event], prepared: None) -> list[str]:
        ports = self.ports
        alerts = Alerts(uow.session, ports.config, ports.clock() if ports.clock else datetime.now(UTC))
        taken = [(event.id, CardTransaction.from_payload(event.payload)) for event in events]
        known = batch.read(uow.session, [tx for _, tx in taken], alerts)
        stored = _store(alerts, taken)
        outcomes = [_apply(alerts, known, tx, event_id, stored[event_id], ports.limits) for event_id, tx in taken]
        alerts.write()
        _after_commit(uow, alerts, ports)
        return outcomes

    def give_up(self, uow: UnitOfWork, event: Event, prepared: None) -> None:
        """Nobody waits on a card event: its failure goes to the broker's retries, then the sweeper's."""
        return None


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
        uow.after_commit(functools.partial(ports.deliver_at, items, at))
    wake = ports.wake_relay
    if wake is not None:
        for order_id in alerts.orders:
            uow.after_commit(functools.partial(wake, order_id))


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
    if thresholds.is_latest(setting, tx):
        done.append(f"low:{thresholds.low_balance(alerts, setting, tx.student_no, tx)}")
        topup = thresholds.automatic_topup(alerts, setting, tx.student_no, tx, limits=limits, event_id=event_id,
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
