"""Amounts as people type them ("50", "12.5", "¥3.00", "50元") turned into integer fen, or a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from workers.text.format import yuan

_AMOUNT = re.compile(r"^[¥￥]?\s*(\d{1,9}(?:\.\d{1,2})?)\s*元?$")


@dataclass(frozen=True, slots=True)
class Limits:
    """Per transaction and per card per day, in fen. The defaults are written here only: `Settings`
    takes them as its own, and the composition root builds the deployment's (`bootstrap.limits`)."""

    per_transaction_fen: int = 50_000
    per_day_fen: int = 100_000
    confirm_seconds: int = 300


class BadAmount(ValueError):
    """The user's amount is not acceptable; the message says why, in the user's words."""


def parse_fen(text: str) -> int:
    """Positive, at most two decimals, never through float."""
    match = _AMOUNT.match(text.strip())
    if not match:
        raise BadAmount(f"金额“{text.strip()[:20]}”无法识别，请输入正数金额，最多两位小数，例如 50 或 12.50。")
    try:
        fen = int(Decimal(match.group(1)) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise BadAmount("金额无法识别。") from exc
    if fen <= 0:
        raise BadAmount("金额必须大于 0。")
    return fen


def check_limits(fen: int, spent_today_fen: int, limits: Limits) -> None:
    if fen > limits.per_transaction_fen:
        raise BadAmount(f"单笔金额不能超过 {yuan(limits.per_transaction_fen)} 元。")
    if spent_today_fen + fen > limits.per_day_fen:
        left = max(limits.per_day_fen - spent_today_fen, 0)
        raise BadAmount(f"超过每日限额 {yuan(limits.per_day_fen)} 元，今天还可使用 {yuan(left)} 元。")
