"""SMS verification codes (`workers/verification/codes.py`): issued rarely, kept hashed, void after five misses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.tables import SmsChallenge
from tests.unit.fakes import NOW
from workers.verification import codes

KEY = "secret"


def _issue(session: Session, purpose: str = "bind", *, openid: str = "oA", at: timedelta = timedelta()
           ) -> codes.Issued:
    issued = codes.issue(session, secret_key=KEY, openid=openid, purpose=purpose, student_no="20240001",
                         phone="13800000001", now=NOW + at)
    session.flush()
    return issued


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_code_is_six_digits() -> None:
    assert all(len(code) == 6 and code.isdigit() for code in (codes.new_code() for _ in range(50)))


def test_the_hash_of_a_code_depends_on_its_salt_and_the_secret_key() -> None:
    assert codes.code_hash(KEY, "salt1", "123456") != codes.code_hash(KEY, "salt2", "123456")
    assert codes.code_hash(KEY, "salt1", "123456") != codes.code_hash("other", "salt1", "123456")


def test_an_issued_code_is_stored_hashed_and_pending_for_five_minutes(session: Session) -> None:
    issued = _issue(session)
    challenge = issued.challenge
    assert issued.code not in challenge.code_hash
    assert (challenge.status, challenge.attempts, challenge.expires_at) == ("pending", 0, NOW + codes.CODE_TTL)
    assert codes.pending(session, "oA", NOW + timedelta(minutes=4, seconds=59)) is challenge
    assert codes.pending(session, "oA", NOW + codes.CODE_TTL) is None


def test_a_new_code_supersedes_the_pending_one_whatever_dialogue_asked(session: Session) -> None:
    first = _issue(session, "bind")
    second = _issue(session, "unfreeze", at=timedelta(minutes=2))
    session.refresh(first.challenge)
    assert first.challenge.status == "superseded"
    assert codes.pending(session, "oA", NOW + timedelta(minutes=2)) is second.challenge


def test_a_users_pending_code_is_theirs_alone(session: Session) -> None:
    _issue(session, openid="oB")
    assert codes.pending(session, "oA", NOW) is None


def test_the_right_code_is_used_once(session: Session) -> None:
    issued = _issue(session)
    assert codes.check(issued.challenge, KEY, issued.code)
    assert issued.challenge.status == "used"
    session.flush()
    assert codes.pending(session, "oA", NOW) is None


def test_a_wrong_code_counts_a_try_and_the_fifth_voids_the_code(session: Session) -> None:
    issued = _issue(session)
    for tried in range(1, codes.MAX_ATTEMPTS):
        assert not codes.check(issued.challenge, KEY, _wrong(issued.code))
        assert (issued.challenge.attempts, issued.challenge.status) == (tried, "pending")
    assert not codes.check(issued.challenge, KEY, _wrong(issued.code))
    assert issued.challenge.status == "void"


def test_a_code_is_checked_with_the_key_it_was_issued_under(session: Session) -> None:
    issued = _issue(session)
    assert not codes.check(issued.challenge, "another key", issued.code)


def test_a_new_code_waits_a_minute_after_the_last(session: Session) -> None:
    assert codes.seconds_until_resend(session, "oA", NOW) == 0
    _issue(session)
    assert codes.seconds_until_resend(session, "oA", NOW + timedelta(seconds=20)) == 41
    assert codes.seconds_until_resend(session, "oA", NOW + codes.RESEND_INTERVAL) == 0


def test_the_wait_can_count_only_one_dialogues_codes(session: Session) -> None:
    _issue(session, "bind")
    assert codes.seconds_until_resend(session, "oA", NOW + timedelta(seconds=20), "unfreeze") == 0
    assert codes.seconds_until_resend(session, "oA", NOW + timedelta(seconds=20), "bind") == 41


def test_five_codes_a_day_is_the_cap(session: Session) -> None:
    for n in range(codes.MAX_CODES_PER_DAY - 1):
        _issue(session, at=timedelta(hours=n))
    later = NOW + timedelta(hours=5)
    assert not codes.daily_cap_reached(session, "oA", later)
    _issue(session, at=timedelta(hours=5))
    assert codes.daily_cap_reached(session, "oA", later)
    # The first code leaves the 24 hours a day after it was sent.
    assert not codes.daily_cap_reached(session, "oA", NOW + timedelta(days=1))
    assert len(session.execute(select(SmsChallenge)).scalars().all()) == codes.MAX_CODES_PER_DAY
