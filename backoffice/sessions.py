"""Server-side sessions: an opaque cookie token, its hash in the database, idle and absolute expiry.

Kept in the database rather than a signed cookie so that disabling an operator or signing out ends
the session at once, on every web process.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from store.tables import Operator, OperatorSession, utcnow

COOKIE = "onecard_admin"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
#: last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Current:
    """The signed-in operator of this request."""

    session_id: str
    operator_id: int
    username: str
    role: str
    csrf_token: str
    #: Someone else chose the password: every page but the password form waits for a new one.
    must_change_password: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, operator_id: int, now: datetime | None = None) -> str:
    """Start a session; the token for the cookie (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(OperatorSession(id=_digest(token), operator_id=operator_id, csrf_token=secrets.token_urlsafe(32),
                                created_at=now, last_seen_at=now, expires_at=now + ABSOLUTE))
    return token


def load(session: Session, token: str | None, now: datetime | None = None) -> Current | None:
    """The session behind a cookie, or None when absent, expired, or its operator is disabled."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(OperatorSession, _digest(token))
    if row is None:
        return None
    operator = session.get(Operator, row.operator_id)
    if row.expires_at <= now or row.last_seen_at + IDLE <= now or operator is None or operator.disabled:
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return Current(row.id, operator.id, operator.username, operator.role, row.csrf_token,
                   operator.must_change_password)


def close_session(session: Session, session_id: str) -> None:
    session.execute(delete(OperatorSession).where(OperatorSession.id == session_id))


def end_others(session: Session, operator_id: int, keep: str) -> None:
    """Sign an operator out everywhere but here (their password changed)."""
    session.execute(delete(OperatorSession).where(OperatorSession.operator_id == operator_id,
                                                  OperatorSession.id != keep))


def end_all(session: Session, operator_id: int) -> None:
    """Sign an operator out everywhere (disabled, or password changed)."""
    session.execute(delete(OperatorSession).where(OperatorSession.operator_id == operator_id))
