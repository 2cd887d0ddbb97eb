"""WeChat Pay's daily trade bill (交易账单) read as statement lines, so it is matched by the same rules.

The bill is CSV with every value behind a backtick (so spreadsheets keep long numbers), read by
header name; its summary (from the `总交易单数` line) is checked against the rows, so that a
truncated download is refused rather than reconciled. A SUCCESS row is money in for an order
(a `debit` of the student, as the bank's), a REFUND row money given back (a `reverse`).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from workers.money.reconcile.statement import BadStatement, Line

HEADERS = {"serial": "微信订单号", "order_no": "商户订单号", "state": "交易状态", "paid": "应结订单金额",
           "refund_serial": "微信退款单号", "refunded": "退款金额", "booked_at": "交易时间"}
SUMMARY = "总交易单数"


def _fen(text: str) -> int:
    return int(Decimal(text or "0") * 100)


def parse(text: str) -> list[Line]:
    rows = [[cell.strip().lstrip("`") for cell in row] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise BadStatement("trade bill is empty")
    header, body = rows[0], rows[1:]
    missing = [name for name in HEADERS.values() if name not in header]
    if missing:
        raise BadStatement(f"trade bill has no column {', '.join(missing)}")
    at = {field: header.index(name) for field, name in HEADERS.items()}
    end = next((i for i, row in enumerate(body) if row and row[0] == SUMMARY), None)
    if end is None or end + 1 >= len(body):
        raise BadStatement("trade bill has no summary: the download was cut short")
    lines = []
    for row in body[:end]:
        state = row[at["state"]]
        if state == "SUCCESS":
            lines.append(Line(row[at["serial"]], row[at["order_no"]], "debit", _fen(row[at["paid"]]),
                              row[at["booked_at"]]))
        elif state == "REFUND":
            lines.append(Line(row[at["refund_serial"]], row[at["order_no"]], "reverse", _fen(row[at["refunded"]]),
                              row[at["booked_at"]]))
        else:
            raise BadStatement(f"unknown trade state {state[:20]!r}")
    if int(body[end + 1][0] or 0) != len(lines):
        raise BadStatement(f"trade bill lists {len(lines)} rows, its summary says {body[end + 1][0]}")
    return lines
