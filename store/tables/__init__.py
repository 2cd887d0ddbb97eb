"""The tables. Times are timezone-aware UTC; money is integer fen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A 64-bit key that is still SQLite's auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class InboxEvent(Base):
    """One WeChat callback, stored once however often WeChat or the broker delivers it."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    msg_id: Mapped[str | None] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    event_key: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    create_time: Mapped[int] = mapped_column(BigInteger)
    # None: stored only (an event we do not act on).
    topic: Mapped[str | None] = mapped_column(String(32))
    # received -> processed; ignored for events no worker acts on.
    status: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the sweeper only: the ingress enqueues once and never writes twice.
    redelivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeliveries: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_inbox_events_status_received", "status", "received_at"),)


class OutboundMessage(Base):
    """A reply or SMS a worker decided to send, recorded in the same transaction as its cause.

    The unique (event_id, seq) pair is what makes a redelivered event unable to answer twice.
    """

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_events.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16))  # wechat | sms
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    # pending -> sending -> sent | undeliverable | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Replies to a click are useless after a minute; WeChat refuses most others after 48 h.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("event_id", "channel", "seq", name="uq_outbound_messages_event_seq"),
        Index("ix_outbound_messages_status_created", "status", "created_at"),
    )


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


class WechatToken(Base):
    """The access token every process shares, and who is refreshing it right now."""

    __tablename__ = "wechat_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(1024))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FeatureSwitch(Base):
    """A WeChat-side function the card office can pause without a restart (no row = on)."""

    __tablename__ = "feature_switches"

    feature: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: What users are told while it is off.
    message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class Article(Base):
    """News, announcements and service-guide articles: draft -> published -> pushed."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # news | announcement | guide
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | pushed
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Broadcast(Base):
    """One push of an article to every bound user who has not opted out."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sending | done
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BroadcastDelivery(Base):
    """Per recipient: which path (customer-service or template) and what became of it."""

    __tablename__ = "broadcast_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # custom | template
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("broadcast_id", "openid", name="uq_broadcast_deliveries_recipient"),)


class RepairTicket(Base):
    """A fault a user reported (card reader, turnstile, top-up machine…) and the office's answer."""

    __tablename__ = "repair_tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_no: Mapped[str] = mapped_column(String(32), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in_progress | resolved | closed
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    """One matching of a bank statement day against our orders and the card ledger."""

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_date: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD, Asia/Shanghai
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


# The other features' tables share this metadata (imported last: they build on the classes above).
from store.tables.backoffice import *  # noqa: E402, F403
from store.tables.services import *  # noqa: E402, F403
