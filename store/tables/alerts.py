"""Real-time card events: each transaction the card system reported, what each holder asked to be
told about it, the alerts sent, and the suspicious transactions the card office decides on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class AlertSetting(Base):
    """A holder's alert choices, and the last balance seen (so a late event cannot re-warn)."""

    __tablename__ = "alert_settings"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    spend_on: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Only spending of at least this much is told (消费提醒 20).
    spend_min_fen: Mapped[int] = mapped_column(Integer, default=0)
    low_balance_fen: Mapped[int | None] = mapped_column(Integer)
    #: True while the balance is at or above the threshold: the next crossing below warns once.
    low_armed: Mapped[bool] = mapped_column(Boolean, default=True)
    topup_fen: Mapped[int | None] = mapped_column(Integer)
    topup_below_fen: Mapped[int | None] = mapped_column(Integer)
    #: off | pending (waiting for the SMS code) | on
    topup_state: Mapped[str] = mapped_column(String(16), default="off")
    topup_armed: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set by the first SMS-confirmed set-up; later changes need no new code.
    topup_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    daily_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    balance_fen: Mapped[int | None] = mapped_column(Integer)
    #: When the card system's latest known balance was true (occurred_at of its transaction).
    balance_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardTransactionRow(Base):
    """One card-system transaction, once (the card system's event id is unique)."""

    __tablename__ = "card_transactions"
    __table_args__ = (Index("ix_card_transactions_student_at", "student_no", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    student_no: Mapped[str] = mapped_column(String(32))
    card_no: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(Integer)
    balance_fen: Mapped[int] = mapped_column(Integer)
    merchant: Mapped[str] = mapped_column(String(64))
    terminal: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardAlert(Base):
    """An alert recorded for sending: its kind, channel and outbound row. `once_key` makes the
    once-a-day ones (summary, automatic top-up) once across workers and schedulers."""

    __tablename__ = "card_alerts"
    __table_args__ = (Index("ix_card_alerts_openid_created", "openid", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64))
    student_no: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # spending | low_balance | suspicious | autotopup | summary
    channel: Mapped[str] = mapped_column(String(16))  # wechat | template: as the planner chose
    outbound_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: A spending batch still collecting swipes until then (sent at that time).
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    swipes: Mapped[list[Any] | None] = mapped_column(JSON)
    once_key: Mapped[str | None] = mapped_column(String(96), unique=True)


class SuspiciousTransaction(Base):
    """A transaction a rule found suspicious, pushed to the holder and listed for the office."""

    __tablename__ = "suspicious_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(BigInteger, index=True)
    student_no: Mapped[str] = mapped_column(String(32), index=True)
    rule: Mapped[str] = mapped_column(String(16))  # lost | velocity | amount | campus
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: None until the office decides: fraud | legitimate
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
