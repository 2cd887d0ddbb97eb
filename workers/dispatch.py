"""Handle one inbox event exactly once: the handler's writes, its replies and the `processed` mark
commit together, so a redelivered event finds the mark and does nothing.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError

from events.commands import Command, Unsubscribed, Welcome
from events.errors import PermanentError, TransientError
from events.routing import route
from ingress.parse import to_message
from store import inbox, outbound
from store.dialect import dialect_insert
from store.models import Follower, InboxEvent
from store.uow import UnitOfWork
from workers import retry_reads, switches
from workers.turn import CLICK_WINDOW, MESSAGE_WINDOW, Handler, Ports, Turn

log = logging.getLogger("onecard.workers")

#: Deliver an outbound message (id, channel) once the transaction that recorded it committed.
Deliver = Callable[[int, str], None]

APOLOGY = "系统繁忙，请稍后再试。"

#: Turns lost to SQLite's single writer are re-run at once this often before the broker retries.
LOCKED_ATTEMPTS = 40


def process_event(
    event_id: int,
    *,
    uow: UnitOfWork,
    ports: Ports,
    handlers: Mapping[type[Command], Handler],
    deliver: Deliver,
    last_attempt: bool = False,
) -> str:
    """Run the handler for a stored event; returns what happened (for logs and tests)."""
    turn_ports = retry_reads.for_one_turn(ports)
    for attempt in range(LOCKED_ATTEMPTS):
        try:
            return _process_once(event_id, uow, turn_ports, handlers, deliver, last_attempt)
        except OperationalError as exc:
            # SQLite: another writer committed after our read began; start the turn again.
            if "locked" not in str(exc) or attempt == LOCKED_ATTEMPTS - 1:
                raise
            # Short and jittered: under load the ingress commits every few milliseconds, so a
            # turn wins by retrying soon, while the competing turns spread out.
            time.sleep(random.uniform(0.002, 0.02))
    raise AssertionError("unreachable")


def _process_once(
    event_id: int, uow: UnitOfWork, ports: Ports, handlers: Mapping[type[Command], Handler],
    deliver: Deliver, last_attempt: bool,
) -> str:
    with uow:
        event = uow.session.execute(_LOAD_EVENT, {"event_id": event_id}).first()
        if event is None:
            log.warning("event %s not in the inbox", event_id)
            return "missing"
        if event.status != "received":
            return "duplicate"
        message = to_message(event.payload)
        routed = route(message)
        now = ports.clock() if ports.clock else datetime.now(UTC)
        window = MESSAGE_WINDOW if message.msg_type != "event" else CLICK_WINDOW
        turn = Turn(session=uow.session, ports=ports, openid=event.openid, event_id=event.id, now=now,
                    reply_deadline=event.received_at + window)
        outcome = "ignored"
        paused = switches.paused_message(uow.session, routed.feature) if routed else None
        if paused is not None:
            turn.say(paused)
            outcome = "paused"
        elif routed is not None:
            handler = handlers.get(type(routed.command))
            if handler is None:
                raise LookupError(f"no handler for {type(routed.command).__name__} on this topic")
            try:
                handler(routed.command, turn)
                outcome = "handled"
            except (TransientError, PermanentError) as exc:
                if isinstance(exc, TransientError) and not last_attempt:
                    raise
                # Out of retries, or refused outright: the user hears that we failed, not nothing.
                uow.rollback()
                log.exception("event %s failed: %s", event_id, exc)
                turn.outgoing.clear()
                turn.after_commit.clear()
                turn.say(APOLOGY)
                outcome = "gave_up"
        _record_follower(uow, event.openid, now, routed.command if routed else None)
        if not inbox.mark_processed(uow.session, event_id):
            uow.rollback()
            return "duplicate"
        replies = outbound.add_replies(uow.session, event_id, [
            (o.channel, o.recipient, o.body, o.expires_at or (turn.reply_deadline if o.channel == "wechat" else None))
            for o in turn.outgoing
        ])
        for row_id, channel in replies:
            uow.after_commit(lambda row_id=row_id, channel=channel: deliver(row_id, channel))
        for callback in turn.after_commit:
            uow.after_commit(callback)
        uow.commit()
        return outcome


#: Built once, run for every event: the columns a turn needs, without an ORM object to track.
_LOAD_EVENT = select(*(InboxEvent.__table__.c[name] for name in ("id", "openid", "payload", "status", "received_at"))
                     ).where(InboxEvent.__table__.c.id == bindparam("event_id"))


def _record_follower(uow: UnitOfWork, openid: str, now: datetime, command: Command | None) -> None:
    """Keep the last-interaction time that WeChat's 48-hour window is counted from."""
    dialect = uow.session.get_bind().dialect.name
    changes_subscription = isinstance(command, (Unsubscribed, Welcome))
    uow.session.execute(_follower_upsert(dialect, changes_subscription),
                        {"openid": openid, "subscribed": not isinstance(command, Unsubscribed),
                         "first_seen_at": now, "last_interaction_at": now})


@functools.cache
def _follower_upsert(dialect: str, changes_subscription: bool) -> Any:
    """One statement per message, built once: insert the follower, or move its last interaction on."""
    insert = dialect_insert(dialect, Follower.__table__)
    updated = {"last_interaction_at": insert.excluded.last_interaction_at}
    if changes_subscription:
        updated["subscribed"] = insert.excluded.subscribed
    return insert.on_conflict_do_update(index_elements=["openid"], set_=updated)
