"""Handle inbox events exactly once: a turn's writes, its replies and the `processed` mark commit
together, so a redelivered event finds the mark and does nothing. A busy pool commits the turns of
several events together (`process_group`); each keeps that guarantee.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from events.commands import Command, Unsubscribed, Welcome
from events.errors import PermanentError, TransientError
from events.messages import to_message
from events.routing import Route, route
from store import inbox, outbound
from store.db import begin_as_writer, dialect_insert, retry_locked
from store.tables import Binding, Follower, InboxEvent
from store.uow import UnitOfWork
from workers.runtime import read_cache, service_state, switches
from workers.runtime.turn import CLICK_WINDOW, MESSAGE_WINDOW, Handler, Ports, Turn

log = logging.getLogger("onecard.workers")

#: Deliver outbound messages (id, channel) once the transaction that recorded them committed.
DeliverMany = Callable[[list[tuple[int, str]]], None]

APOLOGY = "系统繁忙，请稍后再试。"

#: Turns lost to SQLite's single writer are re-run at once this often before the broker retries.
LOCKED_ATTEMPTS = 40


def process_event(
    event_id: int,
    *,
    uow: UnitOfWork,
    ports: Ports,
    handlers: Mapping[type[Command], Handler],
    deliver: DeliverMany,
    last_attempt: bool = False,
) -> str:
    """Run the handler for a stored event; returns what happened (for logs and tests)."""
    turn_ports = read_cache.for_one_turn(ports)
    return retry_locked(lambda: _process_once(event_id, uow, turn_ports, handlers, deliver, last_attempt),
                        attempts=LOCKED_ATTEMPTS, pause=_turn_pause)


def process_group(
    event_ids: Sequence[int],
    *,
    uow: UnitOfWork,
    ports: Ports,
    handlers: Mapping[type[Command], Handler],
    deliver: DeliverMany,
) -> list[str | None]:
    """Run several events' turns in one transaction: what happened to each, or None for every one
    of them when they must run alone (`process_event`).

    A busy pool pays one commit, one statement per kind of write and one broker round trip for
    the whole group instead of for each event. Anything out of the ordinary (a handler that fails,
    an event another worker took meanwhile) sends the group back to be run one event at a time,
    where retries and the apology work as they always did.
    """
    if len(event_ids) < 2:
        return [None] * len(event_ids)
    try:
        done: list[str | None] = list(run_group(event_ids, uow=uow, ports=read_cache.for_one_turn(ports),
                                                handlers=handlers, deliver=deliver))
        return done
    except Exception as exc:  # every event runs again on its own, and fails (and retries) there
        log.info("group of %d events runs one by one: %s: %s", len(event_ids), type(exc).__name__, exc)
        return [None] * len(event_ids)


@dataclass
class Rehearsal:
    """What a group's rehearsal (`read_ahead`) saw, for its real run a few milliseconds later: each
    turn's clock (a turn must see the time it saw then), and the events, the switches and the
    senders' bindings it read, if it did (read again, they were a fifth of the query pool's CPU).
    An event another delivery processed meanwhile fails the real run's processed mark, and the
    group runs one by one; a binding changed meanwhile is as if the message had been answered
    those milliseconds earlier."""

    nows: dict[int, datetime] = field(default_factory=dict)
    events: dict[int, Row[Any]] | None = None
    paused: dict[str, str] | None = None
    bindings: list[Binding] | None = None  # detached, as loaded


def run_group(
    event_ids: Sequence[int],
    *,
    uow: UnitOfWork,
    ports: Ports,
    handlers: Mapping[type[Command], Handler],
    deliver: DeliverMany,
    rehearsal: Rehearsal | None = None,
) -> list[str]:
    """The events' turns in one transaction, or an exception and nothing kept; a rehearsed group
    runs on what its `rehearsal` saw."""
    return retry_locked(lambda: _process_group_once(event_ids, uow, ports, handlers, deliver, rehearsal or Rehearsal()),
                        attempts=LOCKED_ATTEMPTS, pause=_turn_pause)


def _turn_pause(_attempt: int) -> float:
    # Short and jittered: under load the ingress commits every few milliseconds, so a turn wins
    # by retrying soon, while the competing turns spread out.
    return random.uniform(0.002, 0.02)


def _process_once(
    event_id: int, uow: UnitOfWork, ports: Ports, handlers: Mapping[type[Command], Handler],
    deliver: DeliverMany, last_attempt: bool,
) -> str:
    with uow:
        event = uow.session.execute(LOAD_EVENTS, {"event_ids": [event_id]}).first()
        if event is None:
            log.warning("event %s not in the inbox", event_id)
            return "missing"
        if event.status != "received":
            return "duplicate"
        turn, routed = begin_turn(uow.session, event, ports)
        try:
            outcome = run_handler(turn, routed, handlers)
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
        return outcome if _close_turns(uow, [(turn, routed)], deliver) else "duplicate"


def _process_group_once(
    event_ids: Sequence[int], uow: UnitOfWork, ports: Ports, handlers: Mapping[type[Command], Handler],
    deliver: DeliverMany, rehearsal: Rehearsal,
) -> list[str]:
    with uow:
        begin_as_writer(uow.session)
        if rehearsal.paused is not None:
            switches.assume(uow.session, rehearsal.paused)
        wanted = set(event_ids)
        events = ({e_id: e for e_id, e in rehearsal.events.items() if e_id in wanted} if rehearsal.events is not None
                  else {e.id: e for e in uow.session.execute(LOAD_EVENTS, {"event_ids": list(wanted)})})
        preload(uow.session, [e.openid for e in events.values()], rehearsal.bindings)
        outcomes: list[str] = []
        taken: list[tuple[Turn, Route | None]] = []
        started: set[int] = set()  # an id handed in twice in one group runs once
        for event_id in event_ids:
            event = events.get(event_id)
            if event is None:
                log.warning("event %s not in the inbox", event_id)
                outcomes.append("missing")
                continue
            if event.status != "received" or event_id in started:
                outcomes.append("duplicate")
                continue
            started.add(event_id)
            turn, routed = begin_turn(uow.session, event, ports, rehearsal.nows.get(event_id))
            outcomes.append(run_handler(turn, routed, handlers))
            taken.append((turn, routed))
        if taken and not _close_turns(uow, taken, deliver):
            raise LookupError("another worker processed one of the group's events meanwhile")
        return outcomes


def preload(session: Session, openids: Sequence[str], bindings: Sequence[Binding] | None = None) -> None:
    """What a group's turns read about their senders, in one statement each: their bindings and
    their conversation states. A handler's `session.get(Binding, openid)` then finds its row in the
    session instead of asking the database once a turn (measured: the largest cost of a balance
    query in a group). `bindings` read by the group's rehearsal are taken as they are, without a
    statement. The session holds loaded rows weakly: the list is kept on it for as long as it lives."""
    if len(openids) > 1:
        session.info[_BINDINGS] = (
            session.execute(LOAD_BINDINGS, {"openids": list(set(openids))}).scalars().all() if bindings is None
            else [session.merge(binding, load=False) for binding in bindings])
        service_state.preload(session, openids)


def detach_bindings(session: Session) -> list[Binding] | None:
    """The bindings `preload` read, taken out of the session as loaded (for `Rehearsal.bindings`);
    None if it read none, or a turn changed one."""
    bindings: list[Binding] | None = session.info.get(_BINDINGS)
    if bindings is None or any(binding in session.dirty or binding in session.deleted for binding in bindings):
        return None
    for binding in bindings:
        session.expunge(binding)
    return bindings


_BINDINGS = "onecard.bindings"


def begin_turn(session: Session, event: Row[Any], ports: Ports,
               now: datetime | None = None) -> tuple[Turn, Route | None]:
    message = to_message(event.payload)
    now = now or (ports.clock() if ports.clock else datetime.now(UTC))
    window = MESSAGE_WINDOW if message.msg_type != "event" else CLICK_WINDOW
    turn = Turn(session=session, ports=ports, openid=event.openid, event_id=event.id, now=now,
                reply_deadline=event.received_at + window)
    return turn, route(message)


def run_handler(turn: Turn, routed: Route | None, handlers: Mapping[type[Command], Handler]) -> str:
    if routed is None:
        return "ignored"
    paused = switches.paused_message(turn.session, routed.feature)
    if paused is not None:
        turn.say(paused)
        return "paused"
    handler = handlers.get(type(routed.command))
    if handler is None:
        raise LookupError(f"no handler registered for {type(routed.command).__name__}")
    handler(routed.command, turn)
    return "handled"


def _close_turns(uow: UnitOfWork, taken: list[tuple[Turn, Route | None]], deliver: DeliverMany) -> bool:
    """Record the turns' followers, marks and replies and commit; False (nothing kept) if any of
    the events was processed by another delivery meanwhile."""
    session = uow.session
    _record_followers(session, [(turn.openid, turn.now, routed.command if routed else None) for turn, routed in taken])
    if not inbox.mark_processed(session, [turn.event_id for turn, _ in taken]):
        uow.rollback()
        return False
    replies = outbound.add_replies(session, {
        turn.event_id: [(o.channel, o.recipient, o.body,
                         o.expires_at or (turn.reply_deadline if o.channel == "wechat" else None))
                        for o in turn.outgoing]
        for turn, _ in taken
    })
    if replies:
        uow.after_commit(lambda: deliver(replies))
    for turn, _ in taken:
        for callback in turn.after_commit:
            uow.after_commit(callback)
    uow.commit()
    return True


#: Built once, run for every event: the columns a turn needs, without an ORM object to track.
LOAD_EVENTS = select(*(InboxEvent.__table__.c[name] for name in ("id", "openid", "payload", "status", "received_at"))
                      ).where(InboxEvent.__table__.c.id.in_(bindparam("event_ids", expanding=True)))
LOAD_BINDINGS = select(Binding).where(Binding.openid.in_(bindparam("openids", expanding=True)))


def _record_followers(session: Session, seen: list[tuple[str, datetime, Command | None]]) -> None:
    """Keep the last-interaction time that WeChat's 48-hour window is counted from: one row per
    follower, however many of the group's events are theirs."""
    rows: dict[str, dict[str, Any]] = {}
    changes: set[str] = set()
    for openid, now, command in seen:
        row = rows.setdefault(openid, {"openid": openid, "subscribed": True, "first_seen_at": now})
        row["last_interaction_at"] = now
        if isinstance(command, (Unsubscribed, Welcome)):
            row["subscribed"] = not isinstance(command, Unsubscribed)
            changes.add(openid)
    dialect = session.get_bind().dialect.name
    for changes_subscription in (False, True):
        params = [row for openid, row in rows.items() if (openid in changes) is changes_subscription]
        if params:
            session.execute(_follower_upsert(dialect, changes_subscription), params)


@functools.cache
def _follower_upsert(dialect: str, changes_subscription: bool) -> Any:
    """One statement per message, built once: insert the follower, or move its last interaction on."""
    insert = dialect_insert(dialect, Follower.__table__)
    updated = {"last_interaction_at": insert.excluded.last_interaction_at}
    if changes_subscription:
        updated["subscribed"] = insert.excluded.subscribed
    return insert.on_conflict_do_update(index_elements=["openid"], set_=updated)
