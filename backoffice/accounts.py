"""Operators: argon2id passwords, throttled sign-in (`throttle`), created and managed by a super-admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import throttle
from backoffice.passwords import MAX_LENGTH, MIN_LENGTH, weakness
from backoffice.roles import ROLES
from store.tables import Operator, utcnow

#: argon2id with the library's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes).
HASHER = PasswordHasher()
MAX_FAILURES = throttle.ACCOUNT_FREE

#: What an operator is told when a request about an account cannot be done, by code.
ACCOUNT_ERRORS = {
    "password_short": f"密码至少 {MIN_LENGTH} 个字符",
    "password_long": f"密码最长 {MAX_LENGTH} 个字符",
    "password_common": "密码太常见或包含用户名，请换一个不易猜到的密码",
    "passwords_differ": "两次输入的新密码不一致",
    "password_wrong": "当前密码不正确",
    "password_same": "新密码不能与当前密码相同",
    "username_invalid": "用户名不能为空，最长 64 个字符",
    "username_taken": "该用户名已存在",
    "unknown_role": "未知角色",
}


class AccountError(ValueError):
    """A request about an operator that cannot be done; `code` keys its text in `ACCOUNT_ERRORS`."""

    def __init__(self, code: str) -> None:
        super().__init__(ACCOUNT_ERRORS[code])
        self.code = code


@dataclass(frozen=True, slots=True)
class SignIn:
    operator_id: int | None
    #: ok | bad (wrong name or password, or a locked account) | throttled (this address) | disabled
    outcome: str
    #: How long a throttled address waits.
    wait: timedelta = timedelta(0)
    must_change_password: bool = False


def hash_password(password: str, username: str = "") -> str:
    if problem := weakness(password, username):
        raise AccountError(problem)
    return HASHER.hash(password)


def create_operator(session: Session, username: str, password: str, role: str, created_by: str | None,
                    *, must_change_password: bool = False) -> Operator:
    """A new operator; `must_change_password` when someone else chose the password."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("username_invalid")
    if role not in ROLES:
        raise AccountError("unknown_role")
    if session.execute(select(Operator.id).where(Operator.username == username)).first():
        raise AccountError("username_taken")
    operator = Operator(username=username, password_hash=hash_password(password, username), role=role,
                        disabled=False, failed_logins=0, created_at=utcnow(), created_by=created_by,
                        must_change_password=must_change_password)
    session.add(operator)
    session.flush()
    return operator


def authenticate(session: Session, username: str, password: str, ip: str | None = None,
                 now: datetime | None = None) -> SignIn:
    """Check a sign-in and count failures; the caller commits (the failure count must be kept).

    A wrong name, a wrong password and a locked account cost one argon2 verification each and
    give the same answer, so the answer tells a guesser nothing about which names exist.
    """
    now = now or utcnow()
    wait = throttle.address_wait(session, ip, now)
    if wait:
        return SignIn(None, "throttled", wait)
    operator = session.execute(select(Operator).where(Operator.username == username.strip())).scalar_one_or_none()
    right = _verify(operator.password_hash if operator is not None else _dummy_hash(), password)
    if operator is None:
        return SignIn(None, "bad")
    locked = operator.locked_until is not None and operator.locked_until > now
    if locked and not throttle.known_address(session, operator.username, ip, now):
        return SignIn(operator.id, "bad")
    if not right:
        operator.failed_logins += 1
        if pause := throttle.delay(operator.failed_logins, throttle.ACCOUNT_FREE):
            operator.locked_until = now + pause
        return SignIn(operator.id, "bad")
    if operator.disabled:
        return SignIn(operator.id, "disabled")
    operator.failed_logins = 0
    operator.locked_until = None
    operator.last_login_at = now
    if HASHER.check_needs_rehash(operator.password_hash):
        operator.password_hash = HASHER.hash(password)
    return SignIn(operator.id, "ok", must_change_password=operator.must_change_password)


def change_password(operator: Operator, current: str, new: str, repeated: str) -> None:
    """An operator's own new password: the current one proves it is them."""
    if not _verify(operator.password_hash, current):
        raise AccountError("password_wrong")
    if new != repeated:
        raise AccountError("passwords_differ")
    if new == current:
        raise AccountError("password_same")
    operator.password_hash = hash_password(new, operator.username)
    operator.must_change_password = False


def unlock(operator: Operator) -> None:
    """Clear the account's sign-in delay (`onecard admin unlock`)."""
    operator.failed_logins, operator.locked_until = 0, None


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
