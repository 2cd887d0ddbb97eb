"""A hardened parse of WeChat's XML: no DTDs, no entities, bounded size, required fields present."""

from __future__ import annotations

from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from events.errors import BadCallback


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
