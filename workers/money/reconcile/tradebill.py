"""WeChat Pay's daily trade bill (交易账单) read as statement lines, so it is matched by the same rules.

The format is WeChat Pay's 交易账单详细说明 (pay.weixin.qq.com/docs/merchant/products/bill-download/
format-trade.html): a header, a row per paid order or started refund, then the summary's header
(总交易单数,应结订单总金额,退款总金额,…) and its line. Every value stands behind a backtick (so
spreadsheets keep long numbers), amounts are yuan (read into fen with Decimal), and values are not
CSV-quoted: rows are split on commas and one whose width is not the header's is refused rather than
read askew. Columns are found by name (WeChat Pay orders them differently per bill type). The summary
is checked against the rows, count and totals, so that a truncated download is refused, not reconciled.
A SUCCESS row is money in for an order (a `debit` of the student, as the bank's), a REFUND row money
given back (a `reverse` of its 退款金额, keyed by its 微信退款单号).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from workers.money.reconcile.statement import BadStatement, Line

HEADERS = {"serial": "微信订单号", "order_no": "商户订单号", "state": "交易状态", "paid": "应结订单金额",
           "refund_serial": "微信退款单号", "refunded": "退款金额", "booked_at": "交易时间"}
#: The summary's columns we check: how many rows, and the totals of the `paid` and `refunded` columns.
TOTALS = {"count": "总交易单数", "paid": "应结订单总金额", "refunded": "退款总金额"}
SUMMARY = TOTALS["count"]


def _fen(text: str, column: str) -> int:
    """Yuan as WeChat Pay writes them (`0.01`) in fen; anything else is not a bill we can trust."""
    try:
        fen = Decimal(text) * 100
    except InvalidOperation:
        fen = Decimal("NaN")
    if not fen.is_finite() or fen != fen.to_integral_value():
        raise BadStatement(f"trade bill {column} {text[:20]!r} is not an amount in yuan")
    return int(fen)


def _reader(header: list[str], wanted: dict[str, str], part: str) -> Callable[[list[str]], dict[str, str]]:
    """Reads the `wanted` columns of a row by name; a row not as wide as its header is refused."""
    missing = [name for name in wanted.values() if name not in header]
    if missing:
        raise BadStatement(f"trade bill {part} has no column {', '.join(missing)}")
    at = {field: header.index(name) for field, name in wanted.items()}

    def read(row: list[str]) -> dict[str, str]:
        if len(row) != len(header):
            raise BadStatement(f"trade bill {part} row of {len(row)} values for {len(header)} columns: a comma in "
                               f"a value? {row[0][:20]!r}")
        return {field: row[i] for field, i in at.items()}
    return read


def parse(text: str) -> list[Line]:
    """The bill's trades as statement lines; BadStatement for a bill not whole or not in WeChat Pay's format."""
    rows = [[cell.removeprefix("`") for cell in line.strip().split(",")]
            for line in text.lstrip("\ufeff").splitlines()]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise BadStatement("trade bill is empty")
    detail, body = _reader(rows[0], HEADERS, "detail"), rows[1:]
    end = next((i for i, row in enumerate(body) if row[0] == SUMMARY), None)
    if end is None or len(body) != end + 2:
        raise BadStatement("trade bill has no summary, or more after it: the download was cut short")
    lines, column_totals = [], {"paid": 0, "refunded": 0}
    for row in body[:end]:
        at = detail(row)
        fen = {field: _fen(at[field], HEADERS[field]) for field in column_totals}
        column_totals = {field: total + fen[field] for field, total in column_totals.items()}
        if at["state"] == "SUCCESS":
            lines.append(Line(at["serial"], at["order_no"], "debit", fen["paid"], at["booked_at"]))
        elif at["state"] == "REFUND":
            lines.append(Line(at["refund_serial"], at["order_no"], "reverse", fen["refunded"], at["booked_at"]))
        else:
            raise BadStatement(f"unknown trade state {at['state'][:20]!r}")
    said = _reader(body[end], TOTALS, "summary")(body[end + 1])
    if not said["count"].isdigit() or int(said["count"]) != len(lines):
        raise BadStatement(f"trade bill lists {len(lines)} rows, its summary says {said['count'][:20]}")
    for field, total in column_totals.items():
        if _fen(said[field], TOTALS[field]) != total:
            raise BadStatement(f"trade bill's {HEADERS[field]} add up to {total} fen, its summary says "
                               f"{said[field][:20]} yuan")
    return lines
