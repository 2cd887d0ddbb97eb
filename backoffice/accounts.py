"""Operators: argon2id passwords, lock-out after repeated failures, created and managed by a super-admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.roles import ROLES
from store.tables import Operator, utcnow

#: argon2id with the library's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes).
HASHER = PasswordHasher()
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 10


class AccountError(ValueError):
    """A request about an operator that cannot be done; the text is shown to the operator."""


@dataclass(frozen=True, slots=True)
class SignIn:
    operator_id: int | None
    #: ok | bad (wrong name or password) | locked | disabled
    outcome: str


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")
    return HASHER.hash(password)


def create_operator(session: Session, username: str, password: str, role: str, created_by: str | None) -> Operator:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("用户名不能为空，最长 64 个字符")
    if role not in ROLES:
        raise AccountError(f"未知角色 {role}")
    if session.execute(select(Operator.id).where(Operator.username == username)).first():
        raise AccountError(f"用户名 {username} 已存在")
    operator = Operator(username=username, password_hash=hash_password(password), role=role, disabled=False,
                        failed_logins=0, created_at=utcnow(), created_by=created_by)
    session.add(operator)
    session.flush()
    return operator


def authenticate(session: Session, username: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a sign-in and count failures; the caller commits (the failure count must be kept)."""
    now = now or utcnow()
    operator = session.execute(select(Operator).where(Operator.username == username.strip())).scalar_one_or_none()
    if operator is None:
        _verify(_dummy_hash(), password)
        return SignIn(None, "bad")
    if operator.locked_until is not None and operator.locked_until > now:
        return SignIn(operator.id, "locked")
    if not _verify(operator.password_hash, password):
        operator.failed_logins += 1
        if operator.failed_logins >= MAX_FAILURES:
            operator.locked_until = now + LOCK_FOR
            operator.failed_logins = 0
            return SignIn(operator.id, "locked")
        return SignIn(operator.id, "bad")
    if operator.disabled:
        return SignIn(operator.id, "disabled")
    operator.failed_logins = 0
    operator.locked_until = None
    operator.last_login_at = now
    if HASHER.check_needs_rehash(operator.password_hash):
        operator.password_hash = HASHER.hash(password)
    return SignIn(operator.id, "ok")


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return HASHER.hash("onecard-no-such-operator")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def snapshot(operator: Operator) -> dict[str, object]:
    """What the audit log keeps of an operator (never the hash)."""
    return {"username": operator.username, "role": operator.role, "disabled": operator.disabled}
