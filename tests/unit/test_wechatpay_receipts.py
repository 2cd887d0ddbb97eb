"""What a student is told when a WeChat Pay top-up ends, each outcome in plain Chinese."""

from __future__ import annotations

import pytest

from store.tables import MoneyOrder
from workers.money.receipts import receipt


@pytest.mark.parametrize(("status", "said"), [
    ("done", "微信支付充值成功，余额 62.34 元。本次充值 12.34 元"),
    ("closed", "未完成支付，已关闭，微信支付未扣款"),
    ("refunded", "微信支付的 12.34 元已原路退回"),
    ("manual", "已转人工核实，请勿重复充值"),
])
def test_every_end_of_a_wechat_pay_top_up_is_told(status: str, said: str) -> None:
    order = MoneyOrder(order_no="W20261130120000ABCDEFGH", kind="wxtopup", amount_fen=1234, status=status,
                       balance_after_fen=6234 if status == "done" else None, last_error="card_cancelled")
    text = receipt(order)
    assert said in text and "W20261130120000ABCDEFGH" in text and "wxtopup" not in text
