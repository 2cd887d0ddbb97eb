"""Feature switches: the card office pauses a function, users hear why, nothing restarts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.tables import FeatureSwitch

PAUSED = "该功能暂停服务，请稍后再试。如有疑问请联系校园卡服务中心。"


def paused_message(session: Session, feature: str | None) -> str | None:
    """None while `feature` is on (or has no switch); otherwise what to tell the user."""
    if feature is None:
        return None
    switch = session.get(FeatureSwitch, feature)
    if switch is None or switch.enabled:
        return None
    return switch.message or PAUSED


def switched_off(session: Session) -> frozenset[str]:
    """Every feature the card office has paused: help, the welcome and the pickers leave them out."""
    return frozenset(session.execute(select(FeatureSwitch.feature).where(FeatureSwitch.enabled.is_(False))).scalars())
