"""WeChat Pay's trade bill read by header name into statement lines; a cut or odd bill is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from adapters.wechatpay.sim_state import PayBooks
from events.campus_time import SHANGHAI
from workers.money.reconcile.statement import BadStatement, Line
from workers.money.reconcile.tradebill import parse

AT = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def _bill() -> str:
    books = PayBooks("1900000109", clock=lambda: AT)
    for no, fen in (("W1", 1234), ("W2", 500)):
        books.order({"out_trade_no": no, "appid": "wx", "notify_url": "", "amount": {"total": fen},
                     "payer": {"openid": "o"}})
        books.pay(no)
    books.refund({"out_refund_no": "W2R", "out_trade_no": "W2", "amount": {"refund": 500}})
    return books.bill(AT.astimezone(SHANGHAI).date().isoformat())


def test_payments_and_refunds_become_debits_and_reversals() -> None:
    lines = parse(_bill())
    assert [(x.order_no, x.kind, x.amount_fen) for x in lines] == [("W1", "debit", 1234), ("W2", "debit", 500),
                                                                   ("W2", "reverse", 500)]
    assert all(isinstance(x, Line) and x.serial and x.booked_at.startswith("2026-11-30") for x in lines)


def test_columns_are_found_by_name_in_any_order() -> None:
    rows = [line.split(",") for line in _bill().splitlines()]
    swapped = "\n".join(",".join([r[6], r[5], *r[:5], *r[7:]]) if len(r) > 7 else ",".join(r) for r in rows)
    assert [x.amount_fen for x in parse(swapped)] == [1234, 500, 500]


@pytest.mark.parametrize(("cut", "said"), [
    (lambda t: t.split("总交易单数")[0], "summary"),
    (lambda t: t.replace("`REFUND", "`REVOKED"), "unknown trade state"),
    (lambda t: t.replace("商户订单号", "订单"), "no column"),
    (lambda t: t.replace("\n`3,", "\n`4,"), "summary says"),
    (lambda t: "", "empty"),
])
def test_a_bill_we_cannot_trust_is_refused(cut: Callable[[str], str], said: str) -> None:
    with pytest.raises(BadStatement, match=said):
        parse(cut(_bill()))
