"""An article's body as WeChat shows it: plain text, no markup, no CRLF, no runs of blank lines.

Clerks paste from Word and web pages; WeChat would show `<p>` and `&nbsp;` literally, and a CR as a
stray box. Block tags become line breaks, entities become characters, everything else is dropped.
"""

from __future__ import annotations

import re
from html import unescape

_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_DROP = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<\s*/?[A-Za-z!][^>]*>")
_BLANKS = re.compile(r"\n{3,}")


def plain_text(body: str) -> str:
    """`<p>一&nbsp;二</p>\\r\\n<p>三</p>` -> `一 二\\n\\n三`."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = _DROP.sub("", text)
    text = _ITEM.sub("· ", _BREAK.sub("\n", text))
    text = unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[:limit] + "…"
