"""WeChat Pay's trade bill read by header name into statement lines; a cut or odd bill is refused.

The parser is held to bills as WeChat documents them (`tests/fixtures/wechatpay/`, its README says
where each comes from) and to the simulator's bill, which must be read the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.wechatpay.sim_state import PayBooks
from events.campus_time import SHANGHAI
from workers.money.reconcile.statement import BadStatement, Line
from workers.money.reconcile.tradebill import parse

AT = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "wechatpay"
#: A whole ALL bill built on WeChat's documented sample (its README says how).
DOCUMENTED = (FIXTURES / "tradebill-all.csv").read_text()


def _bill() -> str:
    books = PayBooks("1900000109", clock=lambda: AT)
    for no, fen in (("W1", 1234), ("W2", 500)):
        books.order({"out_trade_no": no, "appid": "wx", "notify_url": "", "amount": {"total": fen},
                     "payer": {"openid": "o"}})
        books.pay(no)
    books.refund({"out_refund_no": "W2R", "out_trade_no": "W2", "amount": {"refund": 500}})
    bill = books.bill(AT.astimezone(SHANGHAI).date().isoformat())
    assert bill is not None
    return bill


def test_the_simulator_writes_the_bill_as_wechat_pay_documents_it() -> None:
    header, *rows, summary_header, summary, end = _bill().split("\r\n")
    documented = DOCUMENTED.splitlines()
    assert (header, summary_header, end) == (documented[0], documented[-2], "")
    assert all(len(row.split(",")) == 27 for row in rows) and len(summary.split(",")) == 7
    assert all(value.startswith("`") for line in (*rows, summary) for value in line.split(","))
    refund = dict(zip(header.split(","), rows[-1].split(","), strict=True))
    shown = ("交易状态", "商户订单号", "应结订单金额", "退款金额", "订单金额", "申请退款金额")
    assert [refund[name] for name in shown] == ["`REFUND", "`W2", "`0.00", "`5.00", "`0.00", "`5.00"]
    assert summary == "`3,`17.34,`5.00,`0.00,`0.00000,`17.34,`5.00"


def test_the_documented_bill_is_a_debit_and_its_refund_in_fen() -> None:
    assert parse(DOCUMENTED) == [
        Line("420000612032130748613220688", "2021WERUN1647840687637", "debit", 1, "2022-03-21 13:51:31"),
        Line("50300000012022032100000000001", "2021WERUN1647840687637", "reverse", 1, "2022-03-21 14:02:17")]


def test_the_bill_as_downloaded_with_its_bom_and_crlf_reads_the_same() -> None:
    assert parse("\ufeff" + DOCUMENTED.replace("\n", "\r\n")) == parse(DOCUMENTED)


def test_the_documentations_excerpt_is_refused_for_its_summary_counts_twelve_trades() -> None:
    with pytest.raises(BadStatement, match="lists 1 rows, its summary says 12"):
        parse((FIXTURES / "tradebill-documented-excerpt.csv").read_text())


def test_the_simulators_bill_is_read_as_the_documented_one() -> None:
    assert [(x.order_no, x.kind, x.amount_fen) for x in parse(_bill())] == [
        ("W1", "debit", 1234), ("W2", "debit", 500), ("W2", "reverse", 500)]


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
    (lambda t: t + "`2026-11-30 12:00:00\r\n", "cut short"),
    (lambda t: t.replace("`12.34,", "`12.345,", 1), "not an amount in yuan"),
    (lambda t: t.replace("`12.34,", "`12.34元,", 1), "not an amount in yuan"),
    (lambda t: t.replace("`JSAPI", "`JS,API", 1), "28 values for 27 columns: a comma in a value"),
    (lambda t: t.replace("`17.34,`5.00,`0.00", "`17.43,`5.00,`0.00"), "应结订单金额 add up to 1734 fen"),
    (lambda t: t.replace("`17.34,`5.00,`0.00", "`17.34,`0.50,`0.00"), "退款金额 add up to 500 fen"),
    (lambda t: t.replace("退款总金额", "退款金额合计"), "summary has no column 退款总金额"),
])
def test_a_bill_we_cannot_trust_is_refused(cut: Callable[[str], str], said: str) -> None:
    with pytest.raises(BadStatement, match=said):
        parse(cut(_bill()))
