"""Tables of the self-service functions (card services, notifications, lost-and-found).

Kept apart from `store/tables/` so that each function's state reads in one place; imported at
the end of `store.tables`, so they share its metadata and migrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.tables import Base, BigId, UTCDateTime, utcnow


class ServiceState(Base):
    """A little memory between two messages of one user: where "更多" continues the 流水 list."""

    __tablename__ = "service_states"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationOptOut(Base):
    """A user who sent 退订: no news or announcements until they send 订阅."""

    __tablename__ = "notification_optouts"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FoundCard(Base):
    """A card somebody found and left somewhere, until its owner collects it."""

    __tablename__ = "found_cards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    card_no: Mapped[str | None] = mapped_column(String(32), index=True)
    holder_name: Mapped[str | None] = mapped_column(String(64))
    #: The owner, when the card number or an unambiguous name told us who it is.
    student_no: Mapped[str | None] = mapped_column(String(32), index=True)
    place: Mapped[str] = mapped_column(String(200))
    finder_openid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | collected
    owner_notified: Mapped[bool] = mapped_column(default=False)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoanReminder(Base):
    """One "due in 3 days" reminder sent: the unique key keeps the scheduler from sending it twice."""

    __tablename__ = "loan_reminders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_no: Mapped[str] = mapped_column(String(32))
    loan_id: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[Any] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("student_no", "loan_id", "due_on", name="uq_loan_reminders_loan_due"),
        Index("ix_loan_reminders_sent_at", "sent_at"),
    )
