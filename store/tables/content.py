"""What the card office publishes and looks after: feature switches, articles and their broadcasts,
repair tickets and found cards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


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
    """Per recipient: the outbound message that carries the broadcast to them.

    What became of a recipient is what became of that message (its status and channel). `status`,
    `channel` and `error` here tell it only for the recipients planned before messages were linked
    (migration 0013), which were sent by the broadcast itself.
    """

    __tablename__ = "broadcast_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # wechat | template, as planned
    # pending -> planned (its outbound message recorded); before 0013: pending -> sending -> sent | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The outbound message (`outbound_messages.id`) recorded for the recipient; None: not planned yet.
    outbound_id: Mapped[int | None] = mapped_column(BigInteger)

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


class RepairTicketEntry(Base):
    """One step of a ticket's conversation: the report, each reply of the office, each change of status.

    Replies never overwrite each other: the ticket's `reply` is only the latest, for the user's 我的报修.
    """

    __tablename__ = "repair_ticket_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("repair_tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # reply | status
    #: The operator's username; None for the user who reported it.
    operator: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))  # the status it moved to, for kind == status


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
