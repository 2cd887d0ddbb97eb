"""The users: who follows us, whose card is bound, the SMS codes that prove a phone, and what each
user chose or was in the middle of (opt-outs, the 流水 list's place)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class Follower(Base):
    """What we know of a WeChat user: whether they follow us and when they last spoke."""

    __tablename__ = "followers"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_interaction_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Binding(Base):
    """A WeChat user bound to a campus card. One card, one user; history is in binding_log."""

    __tablename__ = "bindings"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BindingLog(Base):
    """Every bind and unbind, by whom and why: the history a binding row does not keep."""

    __tablename__ = "binding_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    student_no: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))  # bound | unbound
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64), default="user")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsChallenge(Base):
    """An SMS code sent to prove a phone. Only an HMAC of the code is kept."""

    __tablename__ = "sms_challenges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    student_no: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # pending -> used | void (too many tries) | superseded
    status: Mapped[str] = mapped_column(String(16), default="pending")


class NotificationOptOut(Base):
    """A user who sent 退订: no news or announcements until they send 订阅."""

    __tablename__ = "notification_optouts"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceState(Base):
    """A little memory between two messages of one user: where "更多" continues the 流水 list."""

    __tablename__ = "service_states"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
