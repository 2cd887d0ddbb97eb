"""The statements every card event runs, built once: the alerts pool runs them hundreds of times a
second at a lunch rush, and building a SELECT per call cost more than running it."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, func, select

from store.db import dialect_insert
from store.tables import BindingLog, CardAlert, CardTransactionRow, table_of

_TX = table_of(CardTransactionRow).c
_LOG = table_of(BindingLog).c
_ALERT = table_of(CardAlert).c

#: The card's transactions in a window around one (velocity and campus rules read it once).
AROUND = (select(_TX.id, _TX.terminal, _TX.occurred_at, _TX.amount_fen)
          .where(_TX.student_no == bindparam("student_no"), _TX.occurred_at > bindparam("since"),
                 _TX.occurred_at < bindparam("until")))

#: The card's latest loss report or its lifting, in WeChat.
LOSS_STATE = (select(_LOG.action).where(_LOG.student_no == bindparam("student_no"), _LOG.action.in_(("lost", "found")))
              .order_by(_LOG.id.desc()).limit(1))

#: A holder's alerts since a time, newest first (the spending batch to extend, the daily cap).
ALERTS_SINCE = (select(_ALERT.id, _ALERT.kind, _ALERT.created_at, _ALERT.open_until, _ALERT.outbound_id, _ALERT.swipes)
                .where(_ALERT.openid == bindparam("openid"), _ALERT.created_at >= bindparam("since"))
                .order_by(_ALERT.id.desc()))

COUNT_SINCE = (select(func.count()).select_from(table_of(CardAlert))
               .where(_ALERT.openid == bindparam("openid"), _ALERT.created_at >= bindparam("since"),
                      _ALERT.kind.in_(bindparam("kinds", expanding=True))))

TRANSACTION_ID = select(_TX.id).where(_TX.event_id == bindparam("event_id"))


@functools.cache
def store_transaction(dialect: str) -> Any:
    """Insert a transaction once (the card system's event id is unique), returning its id when new."""
    return (dialect_insert(dialect, table_of(CardTransactionRow)).on_conflict_do_nothing(index_elements=["event_id"])
            .returning(_TX.id))
