"""An inbound WeChat callback, reduced to the fields onecard acts on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

    @property
    def is_event(self) -> bool:
        return self.msg_type == "event"

    def dedup_key(self) -> str:
        """The identity WeChat's retries share and distinct callbacks do not.

        Messages: MsgId together with the sender and CreateTime (MsgId alone has collided across
        users; a retry repeats all three). Events have no MsgId: sender + CreateTime + Event +
        EventKey, so two different clicks in the same second stay two events.
        """
        if self.msg_id:
            return f"m:{self.from_user}:{self.create_time}:{self.msg_id}"
        return f"e:{self.from_user}:{self.create_time}:{self.msg_type}:{self.event or ''}:{self.event_key or ''}"
