"""The thresholds of the alert rules, with their defaults written here only: `Settings` takes them as
its own, and the composition root builds the deployment's (`bootstrap.alert_config`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertConfig:
    #: Swipes of one card within this many seconds of an alert go out together in one message.
    coalesce_seconds: int = 60
    #: At most this many spending and balance alerts per holder per day (suspicious use is never capped).
    daily_cap: int = 50
    #: More than `velocity_count` swipes within `velocity_minutes` is suspicious.
    velocity_count: int = 10
    velocity_minutes: int = 10
    #: A single spending above this (fen) is suspicious.
    single_limit_fen: int = 30_000
    #: Swipes at two campuses at least `campus_km` apart within `campus_minutes` are suspicious.
    campus_km: float = 5.0
    campus_minutes: int = 20
