"""What WeChat allows us to send: each user's customer-service grants, and the account's templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class WechatGrant(Base):
    """One move of a user's that lets us send customer-service messages (`events.wechat_grants`):
    the quota ledger. `used` counts the messages recorded against it."""

    __tablename__ = "wechat_grants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64))
    scenario: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None: no limit (a WeChat Pay payment).
    allowed: Mapped[int | None] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    #: The inbox event that granted it, if any.
    event_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_wechat_grants_openid_expires", "openid", "expires_at"),)


class WechatTemplate(Base):
    """One of the account's templates as `template/get_all_private_template` listed it last."""

    __tablename__ = "wechat_templates"

    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    example: Mapped[str] = mapped_column(Text, default="")
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeTemplate(Base):
    """A clerk's choice of template for a notice kind, where the match by title is wrong or absent:
    the template, and optionally which of our fields each key holds ({key: field})."""

    __tablename__ = "notice_templates"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64))
    keys: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
