"""A WeChat Pay notification (支付/退款通知): the third inbox source beside WeChat and the card system.

`/wechatpay/notify` verifies and decrypts it, reads it here (a pure function of the decrypted
resource), and stores it in the inbox as a record of its own source (`store.inbox`); the topup
pool records it as proof of its order's payment or refund (`workers.money.notices`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NotificationRefused(ValueError):
    """Not a notification for one of our orders as we made it: answered 400, nothing stored."""


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """The fields we keep from a decrypted payment (TRANSACTION.*) or refund (REFUND.*) resource."""

    kind: str  # pay | refund
    #: WeChat Pay's own identity of what it notifies: `pay:<transaction_id>`, `refund:<refund_id>`.
    dedup_key: str
    out_trade_no: str
    transaction_id: str
    state: str
    amount_fen: int
    out_refund_no: str | None
    resource: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """What the inbox keeps: JSON-ready (the resource came as JSON), read back by `from_payload`."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> PaymentNotice:
        return cls(**{name: data[name] for name in cls.__slots__})


def read(event_type: str, data: dict[str, Any], mchid: str) -> PaymentNotice:
    """The notice in a decrypted resource; NotificationRefused says what is wrong with it."""
    try:
        if data.get("mchid") != mchid:
            raise NotificationRefused("notification for another merchant")
        if event_type.startswith("TRANSACTION."):
            tid = str(data["transaction_id"])
            return PaymentNotice("pay", f"pay:{tid}", str(data["out_trade_no"]), tid, str(data["trade_state"]),
                                 int(data["amount"]["total"]), None, data)
        if event_type.startswith("REFUND."):
            return PaymentNotice("refund", f"refund:{data['refund_id']}", str(data["out_trade_no"]),
                                 str(data["transaction_id"]), str(data["refund_status"]),
                                 int(data["amount"]["refund"]), str(data["out_refund_no"]), data)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, NotificationRefused):
            raise
        raise NotificationRefused(f"notification lacks {exc}") from exc
    raise NotificationRefused(f"unknown event_type {event_type[:40]!r}")
