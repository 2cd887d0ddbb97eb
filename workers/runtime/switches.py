"""Feature switches: the card office pauses a function, users hear why, nothing restarts.

A group of turns reads the paused functions once (`read_paused`) and hands them to each turn
(`Turn.paused`), so a switch takes effect on the next message without a query per turn.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.tables import FeatureSwitch

PAUSED = "该功能暂停服务，请稍后再试。如有疑问请联系校园卡服务中心。"

_READ_PAUSED = select(FeatureSwitch.feature, FeatureSwitch.message).where(FeatureSwitch.enabled.is_(False))


def read_paused(session: Session) -> dict[str, str]:
    """Every paused function and what to tell its users."""
    return {name: message or PAUSED for name, message in session.execute(_READ_PAUSED)}


def paused_message(session: Session, feature: str | None) -> str | None:
    """None while `feature` is on (or has no switch); otherwise what to tell the user."""
    if feature is None:
        return None
    return read_paused(session).get(feature)
