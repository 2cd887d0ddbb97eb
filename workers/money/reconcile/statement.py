"""The bank's statement CSV, read by header name (banks reorder and add columns; names stay)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

#: Our field -> the header names banks use for it.
HEADERS = {
    "serial": ("银行流水号", "serial_no"),
    "order_no": ("商户订单号", "order_no"),
    "kind": ("交易类型", "type"),
    "amount": ("交易金额", "amount"),
    "booked_at": ("交易时间", "booked_at"),
}
KINDS = {"扣款": "debit", "debit": "debit", "冲正": "reverse", "reverse": "reverse"}


@dataclass(frozen=True, slots=True)
class Line:
    serial: str
    order_no: str
    kind: str  # debit | reverse
    amount_fen: int
    booked_at: str


class BadStatement(ValueError):
    """The file is not a statement we can read: reconciliation must not guess."""


def parse(text: str) -> list[Line]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    found = {}
    for field, names in HEADERS.items():
        name = next((n for n in names if n in (reader.fieldnames or [])), None)
        if name is None:
            raise BadStatement(f"statement has no column for {field} (looked for {', '.join(names)})")
        found[field] = name
    lines = []
    for row in reader:
        kind = KINDS.get(row[found["kind"]].strip())
        if kind is None:
            raise BadStatement(f"unknown transaction type {row[found['kind']]!r}")
        lines.append(Line(row[found["serial"]].strip(), row[found["order_no"]].strip(), kind,
                          int(Decimal(row[found["amount"]].strip()) * 100), row[found["booked_at"]].strip()))
    return lines
