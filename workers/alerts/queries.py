"""The statements a batch of card events runs, built once: the alerts pool runs them hundreds of
times a second at a lunch rush, and building a SELECT per call cost more than running it. Each
reads what the whole batch needs in one statement (`workers.alerts.batch`)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, func, select

from store.db import dialect_insert
from store.tables import AlertSetting, Binding, BindingLog, CardAlert, CardTransactionRow, table_of

_TX = table_of(CardTransactionRow).c
_LOG = table_of(BindingLog).c
_ALERT = table_of(CardAlert).c
_BINDING = table_of(Binding).c

#: The bound holder (openid) of each of the cards.
OPENIDS = select(_BINDING.student_no, _BINDING.openid).where(
    _BINDING.student_no.in_(bindparam("student_nos", expanding=True)))

#: The cards' loss reports and their liftings in WeChat, oldest first: the last one per card counts.
LOSS_STATES = (select(_LOG.student_no, _LOG.action)
               .where(_LOG.student_no.in_(bindparam("student_nos", expanding=True)),
                      _LOG.action.in_(("lost", "found")))
               .order_by(_LOG.id))

#: The holders' alert choices, locked for the transaction in one order (openid), so two batches
#: sharing holders take turns instead of deadlocking.
SETTINGS = (select(AlertSetting).where(AlertSetting.openid.in_(bindparam("openids", expanding=True)))
            .order_by(AlertSetting.openid).with_for_update())

#: The cards' transactions in a window around the batch's (velocity and campus rules).
AROUND = (select(_TX.id, _TX.student_no, _TX.terminal, _TX.occurred_at, _TX.amount_fen)
          .where(_TX.student_no.in_(bindparam("student_nos", expanding=True)),
                 _TX.occurred_at > bindparam("since"), _TX.occurred_at < bindparam("until")))

#: The holders' spending alerts since a time, oldest first: the last one per holder is the batch
#: a swipe may extend.
SPENDING_SINCE = (select(_ALERT.id, _ALERT.openid, _ALERT.created_at, _ALERT.open_until, _ALERT.outbound_id,
                         _ALERT.swipes)
                  .where(_ALERT.openid.in_(bindparam("openids", expanding=True)), _ALERT.kind == "spending",
                         _ALERT.created_at >= bindparam("since"))
                  .order_by(_ALERT.id))

#: How many alerts of the given kinds each holder had since a time (the daily cap).
COUNTS_SINCE = (select(_ALERT.openid, func.count())
                .where(_ALERT.openid.in_(bindparam("openids", expanding=True)),
                       _ALERT.created_at >= bindparam("since"), _ALERT.kind.in_(bindparam("kinds", expanding=True)))
                .group_by(_ALERT.openid))

TRANSACTION_IDS = select(_TX.id, _TX.event_id).where(_TX.event_id.in_(bindparam("event_ids", expanding=True)))


@functools.cache
def store_transactions(dialect: str) -> Any:
    """Insert transactions once each (the card system's event id is unique): (id, event_id) of the new ones."""
    return (dialect_insert(dialect, table_of(CardTransactionRow)).on_conflict_do_nothing(index_elements=["event_id"])
            .returning(_TX.id, _TX.event_id))
