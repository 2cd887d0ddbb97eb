"""Feature switches: the card office pauses a function, users hear why, nothing restarts."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.tables import FeatureSwitch

PAUSED = "该功能暂停服务，请稍后再试。如有疑问请联系校园卡服务中心。"

_PAUSED_KEY = "onecard.paused_features"
_READ_PAUSED = select(FeatureSwitch.feature, FeatureSwitch.message).where(FeatureSwitch.enabled.is_(False))
#: In place of a transaction: what `assume` handed in holds for every transaction of the session.
_ASSUMED = object()


def paused_message(session: Session, feature: str | None) -> str | None:
    """None while `feature` is on (or has no switch); otherwise what to tell the user.

    The paused functions are read once per transaction (a group of turns asks once, not once a
    turn) and kept on the session until it ends, so a switch still takes effect on the next message.
    """
    if feature is None:
        return None
    return _paused(session).get(feature)


def switched_off(session: Session) -> frozenset[str]:
    """Every feature the card office has paused: help, the welcome and the pickers leave them out."""
    return frozenset(_paused(session))


def read_so_far(session: Session) -> dict[str, str] | None:
    """The paused functions as the session's current transaction read them, if it did."""
    cached: tuple[object, dict[str, str]] | None = session.info.get(_PAUSED_KEY)
    if cached is not None and cached[0] in (session.get_transaction(), _ASSUMED):
        return cached[1]
    return None


def assume(session: Session, paused: Mapping[str, str]) -> None:
    """Use `paused` instead of reading the switches, in every transaction of this session: a group
    rehearsed a few milliseconds ago (`read_ahead`) runs on what its rehearsal read."""
    session.info[_PAUSED_KEY] = (_ASSUMED, dict(paused))


def _paused(session: Session) -> dict[str, str]:
    """The paused functions and their messages, read once in the session's current transaction."""
    paused = read_so_far(session)
    if paused is None:
        paused = {name: message or PAUSED for name, message in session.execute(_READ_PAUSED)}
        session.info[_PAUSED_KEY] = (session.get_transaction(), paused)
    return paused
