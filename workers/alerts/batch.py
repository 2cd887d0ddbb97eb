"""What a batch of card events reads once, before any of its events is applied: the cards'
holders, their loss state, the holders' alert choices (locked), their recent alerts and the cards'
transactions around the batch. Applying the events in order then updates this in memory (a
setting's balance, a window's new transaction, `Alerts`' new alert), so two events of one card in
one batch behave exactly as they would one after another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from events.card_events import CardTransaction
from store.tables import AlertSetting
from workers.alerts import queries
from workers.alerts.collector import Alerts


@dataclass(frozen=True, slots=True)
class Stored:
    """A card transaction as the rules around it see it."""

    id: int
    terminal: str
    occurred_at: datetime
    amount_fen: int


@dataclass
class Known:
    #: Card -> its bound holder's openid.
    openids: dict[str, str]
    #: Cards reported lost in WeChat (挂失 not lifted by 解挂).
    lost: set[str]
    #: Holder -> alert choices, locked for the transaction.
    settings: dict[str, AlertSetting]
    #: Card -> its transactions in a window around the batch's spending; each event of the batch
    #: adds its own row when it is applied, not before.
    windows: dict[str, list[Stored]] = field(default_factory=dict)

    def around(self, student_no: str, since: datetime, until: datetime) -> list[Stored]:
        """The card's transactions strictly between `since` and `until`, in time order."""
        return sorted((r for r in self.windows.get(student_no, ()) if since < r.occurred_at < until),
                      key=lambda r: (r.occurred_at, r.id))

    def stored(self, student_no: str, row: Stored) -> None:
        """A transaction of the batch is now on record (its card's later events see it)."""
        window = self.windows.get(student_no)
        if window is not None:
            window.append(row)


def read(session: Session, txs: Sequence[CardTransaction], alerts: Alerts) -> Known:
    """Everything the batch's rules read, one statement per kind; `alerts` learns its holders' alerts."""
    student_nos = sorted({tx.student_no for tx in txs})
    if not student_nos:
        return Known({}, set(), {})
    openids = {r.student_no: r.openid for r in session.execute(queries.OPENIDS, {"student_nos": student_nos})}
    states = {r.student_no: r.action for r in session.execute(queries.LOSS_STATES, {"student_nos": student_nos})}
    settings: dict[str, AlertSetting] = {}
    if openids:
        settings = {s.openid: s for s in session.execute(
            queries.SETTINGS, {"openids": sorted(set(openids.values()))}).scalars()}
    # Read after the settings' lock, as each event did: a batch that held it meanwhile has committed.
    alerts.load(sorted(settings))
    known = Known(openids, {no for no, action in states.items() if action == "lost"}, settings)
    spending = [tx for tx in txs if tx.amount_fen < 0]
    if spending:
        cfg = alerts.config
        before = max(timedelta(minutes=cfg.velocity_minutes), timedelta(minutes=cfg.campus_minutes))
        after = timedelta(minutes=cfg.campus_minutes)
        cards = sorted({tx.student_no for tx in spending})
        known.windows = {no: [] for no in cards}
        for r in session.execute(queries.AROUND, {
                "student_nos": cards, "since": min(tx.occurred_at for tx in spending) - before,
                "until": max(tx.occurred_at for tx in spending) + after}):
            known.windows[r.student_no].append(Stored(r.id, r.terminal, r.occurred_at, r.amount_fen))
    return known
