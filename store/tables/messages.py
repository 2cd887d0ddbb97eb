"""Messages in and out: each WeChat callback as stored, and each reply or SMS a worker decided to send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class InboxEvent(Base):
    """One event from outside, stored once however often its sender or the broker delivers it: a
    WeChat callback (`source` wechat, from `openid`) or a card-system transaction (`source` card,
    its fields in `payload`)."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    #: Who sent it: `wechat` or `card` (`store.inbox.SOURCES`).
    source: Mapped[str] = mapped_column(String(16), default="wechat", server_default="wechat")
    #: The WeChat sender; None for a card transaction.
    openid: Mapped[str | None] = mapped_column(String(64), index=True)
    msg_type: Mapped[str | None] = mapped_column(String(32))
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
    channel: Mapped[str] = mapped_column(String(16))  # wechat (customer-service) | template | sms
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: A notice that must arrive (`events.notices.Notice.to_json`): sent as its template when the
    #: customer-service message cannot go. None: a reply, sent only within a grant.
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # pending -> sending -> sent | undeliverable | failed | expired | superseded | no_grant;
    # no_template: a notice waiting for the account to have a template for its kind
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
