"""Argument parsing for the self-service commands: what follows the keyword, split the way people type.

Lenient on purpose (full-width spaces, commas): a builder returns a command with empty fields
rather than None, so the handler can answer with the usage instead of the generic help.
"""

from __future__ import annotations

import re

from events import commands as c

_SEPARATORS = re.compile(r"[\s,，;；、]+")


def words(args: str, parts: int) -> list[str]:
    """`args` split into at most `parts` pieces; the last keeps its inner spaces."""
    text = args.replace("\u3000", " ").strip()
    if not text:
        return []
    return [p for p in _SEPARATORS.split(text, maxsplit=parts - 1) if p]


def repair(args: str) -> c.Command:
    parts = words(args, 3)
    parts += [""] * (3 - len(parts))
    return c.FileRepair(parts[0], parts[1], parts[2])


def found(args: str) -> c.Command:
    parts = words(args, 2)
    parts += [""] * (2 - len(parts))
    return c.ReportFound(parts[0], parts[1])


def phone(args: str) -> c.Command:
    return c.ChangePhone(args.strip().replace(" ", ""))


def rest(args: str) -> str:
    return args.replace("\u3000", " ").strip()
