"""A template message as the terminal shows it: a boxed card, as WeChat shows a 服务通知.

WeChat draws a template message as a card, not a bubble: its title, the time under it, one row
per field (label, then value), and 详情 > when it links a page. The box is measured in display
columns, since a Chinese character takes two; the link goes under the box, where a long URL
cannot break it.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any


def columns(text: str) -> int:
    """How many terminal columns `text` takes (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - columns(text))


def card_time(at: float) -> str:
    """The time under a card's title, as WeChat writes it (`12月7日 12:30`)."""
    t = time.localtime(at)
    return f"{t.tm_mon}月{t.tm_mday}日 {t.tm_hour:02d}:{t.tm_min:02d}"


def card_lines(template: dict[str, Any], at: float) -> list[str]:
    """The lines of the card for a `/_sim/messages` entry's `template`, sent at `at` (epoch)."""
    fields = [(str(label), str(value)) for label, value in template.get("fields") or []]
    label_width = max((columns(label) for label, _ in fields), default=0)
    body = [str(template.get("title") or "服务通知"), card_time(at), *(
        f"{_pad(label, label_width)}  {value}" for label, value in fields)]
    footer = ["详情 >"] if template.get("url") else []
    width = max(columns(line) for line in body + footer)
    lines = ["┌" + "─" * (width + 2) + "┐", *(f"│ {_pad(text, width)} │" for text in body)]
    if footer:
        lines += ["├" + "─" * (width + 2) + "┤", *(f"│ {_pad(text, width)} │" for text in footer)]
    lines.append("└" + "─" * (width + 2) + "┘")
    if template.get("url"):
        lines.append(f"  {template['url']}")
    return lines
