"""A hardened parse of WeChat's XML: no DTDs, no entities, bounded size, required fields present."""

from __future__ import annotations

from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from events.errors import BadCallback
from events.messages import InboundMessage


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """The `<xml>` element as a dict, or BadCallback(400)."""
    raw = body.encode() if isinstance(body, str) else body
    if b"<!DOCTYPE" in raw.upper():
        raise BadCallback(400, "DTDs are not accepted")
    try:
        # disable_entities: xmltodict refuses entity declarations (XXE, billion laughs).
        doc = xmltodict.parse(raw, disable_entities=True)
    except (ExpatError, ValueError, TypeError, UnicodeError) as exc:
        raise BadCallback(400, f"unparseable XML: {type(exc).__name__}") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise BadCallback(400, "root element must be <xml> with children")
    return root


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
