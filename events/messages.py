"""An inbound WeChat callback, reduced to the fields onecard acts on, and built from the parsed XML
(by the ingress when it arrives, by a worker from the stored payload)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from events.errors import BadCallback


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One verified, parsed callback. `fields` keeps everything WeChat sent, as strings."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    msg_id: str | None = None
    event: str | None = None
    event_key: str | None = None
    content: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def dedup_key(self) -> str:
        """The identity WeChat's retries share and distinct callbacks do not.

        Messages: MsgId together with the sender and CreateTime (MsgId alone has collided across
        users; a retry repeats all three). Events have no MsgId: sender + CreateTime + Event +
        EventKey, so two different clicks in the same second stay two events.
        """
        if self.msg_id:
            return f"m:{self.from_user}:{self.create_time}:{self.msg_id}"
        return f"e:{self.from_user}:{self.create_time}:{self.msg_type}:{self.event or ''}:{self.event_key or ''}"


def _text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise BadCallback(400, f"{name} must be text")
    return str(value)


def to_message(fields: dict[str, Any]) -> InboundMessage:
    """Check the fields every callback has and build the message."""
    sender = _text(fields, "FromUserName")
    receiver = _text(fields, "ToUserName")
    msg_type = _text(fields, "MsgType")
    create_time = _text(fields, "CreateTime")
    if not sender or not receiver or not msg_type or not create_time:
        raise BadCallback(400, "missing ToUserName, FromUserName, MsgType or CreateTime")
    try:
        created = int(create_time)
    except ValueError as exc:
        raise BadCallback(400, "CreateTime is not a number") from exc
    msg_id = _text(fields, "MsgId") or _text(fields, "MsgID")
    event_key = fields.get("EventKey")
    return InboundMessage(
        to_user=receiver,
        from_user=sender,
        create_time=created,
        msg_type=msg_type.strip(),
        msg_id=msg_id.strip() if msg_id else None,
        event=_text(fields, "Event"),
        event_key=str(event_key) if isinstance(event_key, str) else None,
        content=_text(fields, "Content"),
        fields=fields,
    )
