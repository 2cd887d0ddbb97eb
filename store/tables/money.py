"""Money: top-up and fee orders with their outbox, and the reconciliation that checks them against the bank."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class MoneyOrder(Base):
    """A top-up (圈存) or fee payment: what the user confirmed and how far it got.

    `status` is the state machine's position (see `workers/money/machine.py`); the external
    calls it made are keyed `<order_no>:<step>`, so a retry can never apply a step twice.
    """

    __tablename__ = "money_orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # topup | net | power | photo | library | exam | donation
    openid: Mapped[str] = mapped_column(String(64), index=True)
    student_no: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(24), default="awaiting_confirmation")
    #: The inbox event that confirmed it: the receipt is recorded under it (unique event_id, seq).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_events.id"))
    reply_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the first money movement was confirmed, and when it was undone (reconciliation dates).
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    balance_after_fen: Mapped[int | None] = mapped_column(BigInteger)
    step_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_money_orders_status_updated", "status", "updated_at"),)


class MoneyOutbox(Base):
    """The outbox entry written with a confirmed order: the relay's to-do, claimed by one relay."""

    __tablename__ = "money_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("money_orders.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_money_outbox_status_next", "status", "next_attempt_at"),)


class ReconciliationRun(Base):
    """One matching of a day's statement (the bank's or WeChat Pay's trade bill) against orders and card ledger."""

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_date: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD, Asia/Shanghai
    #: Whose statement: the bank's (圈存) or WeChat Pay's trade bill.
    source: Mapped[str] = mapped_column(String(16), default="bank", server_default="bank")
    triggered_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Discrepancy(Base):
    """A difference a reconciliation run found, and what became of it (repaired, or an operator's decision)."""

    __tablename__ = "reconciliation_discrepancies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(32), index=True)
    # bank_only (长款) | platform_only (短款) | amount_mismatch | card_mismatch | stuck | timing
    kind: Mapped[str] = mapped_column(String(24))
    bank_fen: Mapped[int | None] = mapped_column(BigInteger)
    platform_fen: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text)
    # open | repaired | explained | resolved
    status: Mapped[str] = mapped_column(String(16), default="open")
    operator: Mapped[str | None] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
