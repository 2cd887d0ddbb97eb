"""Sign-in throttling that slows a guesser without locking the office out.

Two counters, each with a delay that doubles per failure past a free allowance:
- per client address, over the audit log's refused sign-ins since that address last signed in
  (guessing many accounts from one place); the answer says to wait, whatever the name;
- per account (`Operator.failed_logins`, `locked_until`), against guessing from many places. It
  does not apply from an address the operator signed in from before, so an attacker elsewhere
  cannot keep the super-admin out; `onecard admin unlock NAME` clears it from the command line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.tables import AuditEntry

ADDRESS_FREE = 20
ACCOUNT_FREE = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
#: Refusals older than this no longer count against an address.
ADDRESS_WINDOW = timedelta(hours=1)
#: An address this operator signed in from within this long is theirs: the account lock spares it.
KNOWN_FOR = timedelta(days=90)


def delay(failures: int, free: int) -> timedelta:
    """No delay within the allowance, then 30 s, 1 min, 2 min … up to 15 min."""
    if failures < free:
        return timedelta(0)
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - free, 10))


def address_wait(session: Session, ip: str | None, now: datetime) -> timedelta:
    """How long this address must wait before its next attempt (zero: go ahead)."""
    if not ip:
        return timedelta(0)
    last_in = session.execute(select(func.max(AuditEntry.at)).where(
        AuditEntry.action == "sign-in", AuditEntry.ip == ip, AuditEntry.at > now - ADDRESS_WINDOW)).scalar()
    since = max(filter(None, [last_in, now - ADDRESS_WINDOW]))
    count, last = session.execute(select(func.count(), func.max(AuditEntry.at)).where(
        AuditEntry.action == "sign-in refused", AuditEntry.ip == ip, AuditEntry.at > since)).one()
    if not count:
        return timedelta(0)
    return max(timedelta(0), last + delay(count, ADDRESS_FREE) - now)


def known_address(session: Session, username: str, ip: str | None, now: datetime) -> bool:
    if not ip:
        return False
    return session.execute(select(AuditEntry.id).where(
        AuditEntry.action == "sign-in", AuditEntry.operator == username, AuditEntry.ip == ip,
        AuditEntry.at > now - KNOWN_FOR).limit(1)).first() is not None
