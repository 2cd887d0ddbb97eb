"""SMS verification codes: issued rarely, kept hashed, void after five wrong tries.

A code is asked for by one dialogue (its `purpose`: bind, unfreeze, phone, autotopup); a new code
supersedes any code still pending for the user, so a user has at most one pending code and a
six-digit reply answers the dialogue that asked last (`workers/topics/code_replies.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.tables import SmsChallenge

CODE_TTL = timedelta(minutes=5)
RESEND_INTERVAL = timedelta(minutes=1)
MAX_ATTEMPTS = 5
#: Codes one WeChat user may request in 24 hours: bounds SMS cost and guesses (5 tries each).
MAX_CODES_PER_DAY = 5


def code_hash(secret_key: str, challenge_salt: str, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{challenge_salt}:{code}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True)
class Issued:
    code: str
    challenge: SmsChallenge


def seconds_until_resend(session: Session, openid: str, now: datetime, purpose: str | None = None) -> int:
    """0 if a new code may be sent now; else how long the user must wait.

    With `purpose`, only codes of that dialogue count: a bind code just sent does not delay an unfreeze.
    """
    query = select(SmsChallenge.created_at).where(SmsChallenge.openid == openid)
    if purpose is not None:
        query = query.where(SmsChallenge.purpose == purpose)
    last = session.execute(query.order_by(SmsChallenge.created_at.desc()).limit(1)).scalar()
    if last is None or now - last >= RESEND_INTERVAL:
        return 0
    return max(1, int((RESEND_INTERVAL - (now - last)).total_seconds()) + 1)


def daily_cap_reached(session: Session, openid: str, now: datetime) -> bool:
    """True once this user asked for MAX_CODES_PER_DAY codes in the last 24 hours."""
    sent = session.execute(
        select(func.count()).where(SmsChallenge.openid == openid, SmsChallenge.created_at > now - timedelta(days=1))
    ).scalar_one()
    return int(sent) >= MAX_CODES_PER_DAY


def issue(session: Session, *, secret_key: str, openid: str, purpose: str, student_no: str, phone: str,
          now: datetime) -> Issued:
    """A fresh code for this user; any code still pending for them is superseded."""
    session.execute(
        update(SmsChallenge)
        .where(SmsChallenge.openid == openid, SmsChallenge.status == "pending")
        .values(status="superseded")
    )
    code = new_code()
    salt = secrets.token_hex(8)
    challenge = SmsChallenge(
        openid=openid, purpose=purpose, student_no=student_no, phone=phone,
        code_hash=f"{salt}${code_hash(secret_key, salt, code)}", created_at=now,
        expires_at=now + CODE_TTL, attempts=0, status="pending",
    )
    session.add(challenge)
    return Issued(code, challenge)


def pending(session: Session, openid: str, now: datetime) -> SmsChallenge | None:
    """The code this user was sent last and may still answer (any dialogue's), if any."""
    return session.execute(
        select(SmsChallenge)
        .where(SmsChallenge.openid == openid, SmsChallenge.status == "pending", SmsChallenge.expires_at > now)
        .order_by(SmsChallenge.created_at.desc())
        .limit(1)
    ).scalar()


def check(challenge: SmsChallenge, secret_key: str, code: str) -> bool:
    """Count the try; True and `used` on a match, `void` after the fifth miss."""
    salt, _, expected = challenge.code_hash.partition("$")
    if hmac.compare_digest(code_hash(secret_key, salt, code), expected):
        challenge.status = "used"
        return True
    challenge.attempts += 1
    if challenge.attempts >= MAX_ATTEMPTS:
        challenge.status = "void"
    return False
