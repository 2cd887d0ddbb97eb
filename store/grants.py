"""The customer-service quota ledger: what each user's moves allow us to send, and what was used.

Grants are recorded in the transaction of the callback (or payment) that gave them; sends are
counted in the transaction that records the message, so the ledger and the outbound table agree.
Counting is `used = used + n`, never a value read earlier: two workers counting sends to one user
at once cannot lose each other's count (at worst both spend the last unit and WeChat's 45047 turns
the later one into its template).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from events.wechat_grants import GRANTS, Scenario
from store.tables import WechatGrant, table_of

_TABLE = table_of(WechatGrant)
_T = _TABLE.c
_LIVE = (select(_T.id, _T.openid, _T.expires_at, _T.allowed, _T.used, _T.scenario)
         .where(_T.openid.in_(bindparam("openids", expanding=True)), _T.expires_at > bindparam("now"))
         .order_by(_T.expires_at))
_USE = update(_TABLE).where(_T.id == bindparam("gid")).values(used=_T.used + bindparam("n"))


def grant(session: Session, grants: Sequence[tuple[str, Scenario, datetime, int | None, int]]) -> None:
    """Record the grants of users' moves: (openid, scenario, when the user moved, event id, messages
    already spent on it)."""
    if grants:
        session.execute(insert(_TABLE), [
            {"openid": openid, "scenario": scenario.value, "granted_at": at, "expires_at": at + GRANTS[scenario].lasts,
             "allowed": GRANTS[scenario].allowed, "used": used, "event_id": event_id}
            for openid, scenario, at, event_id, used in grants])


@dataclass
class _Live:
    gid: int
    #: The last moment a message recorded against it is counted on to reach WeChat in time.
    send_by: datetime
    left: int | None


@dataclass
class Allowance:
    """The live grants of some users, spent in memory and written back by `save`: one read and one
    write per transaction, however many messages it records."""

    live: dict[str, list[_Live]] = field(default_factory=dict)
    spent: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, openids: Iterable[str], now: datetime) -> Allowance:
        wanted = sorted(set(openids))
        allowance = cls({openid: [] for openid in wanted})
        if not wanted:
            return allowance
        for row in session.execute(_LIVE, {"openids": wanted, "now": now}):
            send_by = row.expires_at - GRANTS[Scenario(row.scenario)].margin
            if send_by <= now:
                continue
            left = None if row.allowed is None else row.allowed - row.used
            if left is None or left > 0:
                allowance.live[row.openid].append(_Live(row.id, send_by, left))
        return allowance

    def available(self, openid: str) -> int | None:
        """How many more messages `openid` may be sent now; None: no limit."""
        grants = self.live.get(openid, [])
        if any(g.left is None for g in grants):
            return None
        return sum(g.left or 0 for g in grants)

    def take(self, openid: str) -> datetime | None:
        """Spend one message on the grant that ends first: when it must be sent by; None: no grant."""
        for g in self.live.get(openid, []):
            if g.left is None or g.left > 0:
                if g.left is not None:
                    g.left -= 1
                self.spent[g.gid] = self.spent.get(g.gid, 0) + 1
                return g.send_by
        return None

    def fresh(self, openid: str, key: int, send_by: datetime, allowed: int | None) -> None:
        """A grant not yet written (negative `key`): spent here, written with its count by its owner."""
        self.live.setdefault(openid, []).append(_Live(key, send_by, allowed))
        self.live[openid].sort(key=lambda g: g.send_by)

    def spent_on(self, key: int) -> int:
        return self.spent.get(key, 0)

    def save(self, session: Session) -> None:
        """Write what was spent on grants already in the ledger (fresh ones are written by their owner)."""
        stored = [{"gid": gid, "n": n} for gid, n in self.spent.items() if gid > 0]
        if stored:
            session.execute(_USE, stored)
        self.spent = {}


def end(session: Session, openids: Sequence[str], now: datetime) -> None:
    """The users unfollowed: WeChat takes no customer-service message for them (45015) from now on."""
    session.execute(update(_TABLE).where(_T.openid.in_(list(openids)), _T.expires_at > now).values(expires_at=now))
