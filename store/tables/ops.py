"""What keeps several processes from doing one thing twice: the periodic jobs' claims, the loan
reminders already sent, and the shared WeChat access token with its refresh lease."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class ScheduledJob(Base):
    """One row per periodic job: the last period some scheduler claimed it for, and by whom.

    Claiming is a conditional UPDATE of `last_period`, so however many schedulers run, each
    period of a job is claimed once (the database's row lock is the lease).
    """

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_period: Mapped[int] = mapped_column(BigInteger)
    holder: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class LoanReminder(Base):
    """One "due in 3 days" reminder sent: the unique key keeps the scheduler from sending it twice."""

    __tablename__ = "loan_reminders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_no: Mapped[str] = mapped_column(String(32))
    loan_id: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("student_no", "loan_id", "due_on", name="uq_loan_reminders_loan_due"),
        Index("ix_loan_reminders_sent_at", "sent_at"),
    )


class WechatToken(Base):
    """The access token every process shares, and who is refreshing it right now."""

    __tablename__ = "wechat_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(1024))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
