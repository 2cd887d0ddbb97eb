"""WeChat callbacks as a source of the inbox pipeline: each event is a user's turn.

A group of turns runs in one transaction (`pipeline.Pipeline`): the senders' bindings, the paused
functions and the conversation memories are read once for the group, each turn's handler runs once,
and the followers' last interactions, the replies and what must wait for the commit are recorded
with the events' processed marks. A turn that failed for good is answered with an apology.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from events.commands import Command, Unsubscribed, Welcome
from events.messages import to_message
from events.routing import Route, route
from events.wechat_grants import GRANTS, Scenario, scenario_of
from store import grants, outbound
from store.db import dialect_insert
from store.grants import Allowance
from store.tables import Binding, Follower
from store.uow import UnitOfWork
from workers.delivery.outgoing import plan
from workers.runtime import switches
from workers.runtime.conversation import Memory
from workers.runtime.pipeline import Event
from workers.runtime.read_ahead import ReadAhead, fresh_reads
from workers.runtime.turn import Handler, Ports, Turn

log = logging.getLogger("onecard.workers")

#: Deliver outbound messages (id, channel) once the transaction that recorded them committed.
DeliverMany = Callable[[list[tuple[int, str]]], None]

APOLOGY = "系统繁忙，请稍后再试。"

_BINDINGS = select(Binding).where(Binding.openid.in_(bindparam("openids", expanding=True)))


class WeChatTurns:
    """The `Source` of WeChat callbacks; `read_ahead` for topics whose turns read outside systems."""

    name = "wechat"

    def __init__(self, ports: Ports, handlers: Mapping[type[Command], Handler], deliver: DeliverMany,
                 read_ahead: ReadAhead | None = None) -> None:
        self.ports, self.handlers, self.deliver, self.read_ahead = ports, handlers, deliver, read_ahead

    def prepare(self, event_ids: Sequence[int]) -> tuple[Ports, set[int]]:
        if self.read_ahead is not None:
            return self.read_ahead(event_ids)
        return fresh_reads(self.ports), set()

    def handle(self, uow: UnitOfWork, events: Sequence[Event], prepared: Ports) -> list[str]:
        session = uow.session
        openids = [event.openid for event in events]
        # Loaded together and held here, a handler's `session.get(Binding, openid)` finds its row in
        # the session instead of asking the database once a turn (measured: the largest cost of a
        # balance query in a group).
        bindings = (session.execute(_BINDINGS, {"openids": list(set(openids))}).scalars().all()
                    if len(events) > 1 else [])
        paused = switches.read_paused(session)
        memory = Memory(session, openids) if len(events) > 1 else None
        taken = [begin_turn(session, event, prepared, paused, memory) for event in events]
        outcomes = [run_handler(turn, routed, self.handlers) for turn, routed in taken]
        close_turns(uow, taken, self.deliver)
        del bindings  # held until every turn ran: the session keeps loaded rows only weakly
        return outcomes

    def give_up(self, uow: UnitOfWork, event: Event, prepared: Ports) -> str:
        """The user hears that we failed, not nothing."""
        turn, routed = begin_turn(uow.session, event, prepared, {}, None)
        turn.say(APOLOGY)
        close_turns(uow, [(turn, routed)], self.deliver)
        return "gave_up"


#: How far before its arrival a callback's CreateTime is believed: WeChat's own retries come within
#: 15 s; a clock further off (or a forged time) counts from the arrival instead.
CREATE_TIME_TRUSTED = timedelta(minutes=5)


def begin_turn(session: Session, event: Event, ports: Ports, paused: Mapping[str, str],
               memory: Memory | None) -> tuple[Turn, Route | None]:
    message = to_message(event.payload)
    now = ports.clock() if ports.clock else datetime.now(UTC)
    scenario = scenario_of(message.msg_type, message.event, message.event_key)
    moved = moved_at(message.create_time, event.received_at)
    rule = GRANTS[scenario or Scenario.CLICK]
    turn = Turn(session=session, ports=ports, openid=event.openid, event_id=event.id, now=now,
                reply_deadline=moved + rule.lasts - rule.margin, paused=paused, memory=memory,
                grant=None if scenario is None else (scenario, moved))
    return turn, route(message)


def moved_at(create_time: int, received_at: datetime) -> datetime:
    """When the user moved, which is when WeChat's grant began: the callback's CreateTime, unless it
    is later than its arrival or too long before it."""
    created = datetime.fromtimestamp(create_time, UTC)
    return created if received_at - CREATE_TIME_TRUSTED <= created <= received_at else received_at


def run_handler(turn: Turn, routed: Route | None, handlers: Mapping[type[Command], Handler]) -> str:
    if routed is None:
        return "ignored"
    paused = turn.paused.get(routed.feature) if routed.feature else None
    if paused is not None:
        turn.say(paused)
        return "paused"
    handler = handlers.get(type(routed.command))
    if handler is None:
        raise LookupError(f"no handler registered for {type(routed.command).__name__}")
    handler(routed.command, turn)
    return "handled"


def close_turns(uow: UnitOfWork, taken: Sequence[tuple[Turn, Route | None]], deliver: DeliverMany) -> None:
    """Record the turns' followers, the grants their moves gave, and their replies (spending those
    grants) in the transaction, and what waits for its commit."""
    session = uow.session
    _record_followers(session, [(turn.openid, turn.now, routed.command if routed else None)
                                for turn, routed in taken if turn.grant is not None or _subscription(routed)])
    gone = [turn.openid for turn, routed in taken if routed is not None and isinstance(routed.command, Unsubscribed)]
    if gone:
        grants.end(session, gone, taken[0][0].now)
    now = min(turn.now for turn, _ in taken)
    covered = _covered(taken, now)
    # The grants of the other turns first, so that the ledger read below counts them.
    grants.grant(session, [(turn.openid, turn.grant[0], turn.grant[1], turn.event_id, 0)
                           for turn, _ in taken if turn.grant is not None and turn.event_id not in covered])
    wanted = {o.recipient for turn, _ in taken if turn.event_id not in covered for o in turn.outgoing
              if o.channel == "wechat"}
    allowance = Allowance.load(session, wanted, now) if wanted else Allowance()
    for turn, _ in taken:
        if turn.event_id in covered:
            scenario, moved = covered[turn.event_id]
            allowance.fresh(turn.openid, -turn.event_id, moved + GRANTS[scenario].lasts - GRANTS[scenario].margin,
                            GRANTS[scenario].allowed)
    replies = outbound.add_replies(session, {turn.event_id: plan(turn.outgoing, allowance) for turn, _ in taken})
    grants.grant(session, [(turn.openid, scenario, moved, turn.event_id, allowance.spent_on(-turn.event_id))
                           for turn, _ in taken if turn.event_id in covered
                           for scenario, moved in [covered[turn.event_id]]])
    allowance.save(session)
    if replies:
        uow.after_commit(lambda: deliver(replies))
    for turn, _ in taken:
        for callback in turn.after_commit:
            uow.after_commit(callback)


def _covered(taken: Sequence[tuple[Turn, Route | None]], now: datetime) -> dict[int, tuple[Scenario, datetime]]:
    """The turns whose own fresh grant covers every WeChat message they record, all to their own
    user, who has no other turn in the group and is sent nothing by another: planned on that grant
    alone, without reading the ledger (the common turn: one message, one answer).

    Spending the fresh grant rather than an older one ending sooner (what WeChat does) leaves the
    ledger counting at most what WeChat allows, never more."""
    users = [turn.openid for turn, _ in taken]
    sent_to_others = {o.recipient for turn, _ in taken for o in turn.outgoing
                      if o.channel == "wechat" and o.recipient != turn.openid}
    covered: dict[int, tuple[Scenario, datetime]] = {}
    for turn, _ in taken:
        if turn.grant is None or users.count(turn.openid) > 1 or turn.openid in sent_to_others:
            continue
        said = [o for o in turn.outgoing if o.channel == "wechat"]
        rule = GRANTS[turn.grant[0]]
        if all(o.recipient == turn.openid for o in said) and (rule.allowed is None or len(said) <= rule.allowed) \
                and turn.grant[1] + rule.lasts - rule.margin > now:
            covered[turn.event_id] = turn.grant
    return covered


def _subscription(routed: Route | None) -> bool:
    return routed is not None and isinstance(routed.command, (Unsubscribed, Welcome))


def _record_followers(session: Session, seen: list[tuple[str, datetime, Command | None]]) -> None:
    """Keep who follows us and when they last moved (events they did not make, such as a template's
    delivery report, are not moves): one row per follower, however many of the group's events are theirs."""
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
