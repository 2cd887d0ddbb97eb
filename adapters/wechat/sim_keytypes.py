"""What a template key's type lets its value hold, as WeChat checks it since 2023-05-04.

A key is its type and a number (`amount1`, `character_string3`); a value that breaks the type is
refused with 47003 naming the key, so a notice the platform writes wrongly fails here, not on the
student's phone. Lengths count characters; `number` and `amount` count digits, not their point.
An empty value is accepted (the phone shows the line blank).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date

_KEY = re.compile(r"([a-z_]+?)(\d+)")
_CHARACTERS = re.compile(r"[!-~]+")  # printable ASCII without the space: letters, digits, symbols
_PHRASE = re.compile(r"[\u4e00-\u9fff]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LETTERS = re.compile(r"[A-Za-z]+")
_AMOUNT = re.compile(r"(?P<sign>[¥￥])?(?P<number>\d+(?:\.\d+)?)(?P<yuan>元)?")
_CLOCK = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
_DATED = re.compile(r"(?P<y>\d{4})(?:年(?P<m>\d{1,2})月(?P<d>\d{1,2})日|-(?P<m2>\d{1,2})-(?P<d2>\d{1,2}))"
                    rf"(?: {_CLOCK})?")
_TIME_OF_DAY = re.compile(_CLOCK)


def key_type(key: str) -> str | None:
    """`amount1` → `amount`; None for a key not shaped like WeChat's."""
    match = _KEY.fullmatch(key)
    return match.group(1) if match else None


def _within(limit: int, pattern: re.Pattern[str], what: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not pattern.fullmatch(value):
            return f"must be {what}"
        return f"longer than {limit}" if len(value) > limit else None
    return check


def _digits(value: str) -> int:
    return sum(c.isdigit() for c in value)


def _number(value: str) -> str | None:
    if not _NUMBER.fullmatch(value):
        return "must be digits with an optional point"
    return "more than 32 digits" if _digits(value) > 32 else None


def _amount(value: str) -> str | None:
    match = _AMOUNT.fullmatch(value)
    if not match or (match["sign"] and match["yuan"]):
        return "must be digits with an optional point, a leading ¥ or a trailing 元"
    return "more than 10 digits" if _digits(match["number"]) > 10 else None


def _moment(value: str, *, need_date: bool) -> bool:
    """One date or date-time (or, unless `need_date`, a time of day) that exists on the calendar."""
    value = value.strip()
    match = _DATED.fullmatch(value) or (None if need_date else _TIME_OF_DAY.fullmatch(value))
    if match is None:
        return False
    groups = match.groupdict()
    try:
        if groups.get("y"):
            date(int(groups["y"]), int(groups["m"] or groups["m2"]), int(groups["d"] or groups["d2"]))
    except ValueError:
        return False
    return int(groups["H"] or 0) < 24 and int(groups["M"] or 0) < 60 and int(groups["S"] or 0) < 60


def _span(need_date: bool) -> Callable[[str], str | None]:
    """A moment, or two joined by `~` (WeChat's way of writing a period)."""
    def check(value: str) -> str | None:
        parts = value.split("~")
        if len(parts) <= 2 and all(_moment(p, need_date=need_date) for p in parts):
            return None
        return "must be a date or a date-time" if need_date else "must be a time, a date or a date-time"
    return check


CHECKS: dict[str, Callable[[str], str | None]] = {
    "thing": lambda v: "longer than 20" if len(v) > 20 else None,
    "character_string": _within(32, _CHARACTERS, "letters, digits and symbols"),
    "phrase": _within(5, _PHRASE, "Chinese characters"),
    "number": _number,
    "letter": _within(32, _LETTERS, "letters"),
    "amount": _amount,
    "time": _span(need_date=False),
    "date": _span(need_date=True),
}


def refusal(key: str, value: object, approved: Collection[str] = ()) -> str | None:
    """Why WeChat refuses `value` for `key`; None when it is accepted. `approved`: a const key's values."""
    if not isinstance(value, str):
        return "must be a string"
    kind = key_type(key)
    if value == "":
        return None
    if kind == "const":
        return None if value in approved else "is not a value WeChat approved for this const key"
    check = CHECKS.get(kind or "")
    return check(value) if check else f"has a key type WeChat does not know ({kind})"
