"""WeChat Pay's notifications, each stored once: the inbox of `/wechatpay/notify`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.tables.base import Base, BigId, UTCDateTime, utcnow


class WeChatPayNotification(Base):
    """A verified, decrypted payment or refund notification, keyed by WeChat Pay's own id.

    WeChat Pay sends a notification again until it is acknowledged (and sometimes after): the
    unique `dedup_key` (`pay:<transaction_id>`, `refund:<refund_id>`) keeps one row however often
    it comes. The relay reads it as proof of the payment (or refund) of its order.
    """

    __tablename__ = "wechatpay_notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # pay | refund
    order_id: Mapped[int] = mapped_column(ForeignKey("money_orders.id"), index=True)
    out_trade_no: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str] = mapped_column(String(64))
    out_refund_no: Mapped[str | None] = mapped_column(String(64))
    #: trade_state of a payment (SUCCESS), refund_status of a refund (SUCCESS, ABNORMAL, CLOSED).
    state: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    resource: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
