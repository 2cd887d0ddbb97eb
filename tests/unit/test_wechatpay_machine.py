"""The WeChat Pay top-up's steps over the simulator's own books, in-process (no HTTP, no database)."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from adapters.cardsystem.port import CardSystem
from adapters.cardsystem.simulator import CardSystemSimulator
from tests.unit.fakes import FakeWeChatPay
from tests.unit.test_money_machine import Ledger, _world
from workers.money.machine import OrderView, Transition, advance
from workers.money.ports import MoneyPorts


def _ports(card: CardSystemSimulator | None = None) -> tuple[MoneyPorts, FakeWeChatPay, CardSystemSimulator]:
    ports, _bank, default_card, _fees = _world()
    card = card or default_card
    pay = FakeWeChatPay()
    ledger = cast(CardSystem, Ledger(card.journal, card.apply))
    return dataclasses.replace(ports, ledger=ledger, wechatpay=pay), pay, card


def _order(pay: FakeWeChatPay, no: str, fen: int = 1000, student_no: str = "20240001", **kw: Any) -> OrderView:
    pay.jsapi(no, description="充值", amount_fen=fen, openid="o1", expires_at="")
    return dataclasses.replace(OrderView(1, no, "wxtopup", student_no, None, fen, "created", 0), **kw)


def _run(order: OrderView, ports: MoneyPorts, close_after: float = 900) -> list[Transition]:
    path: list[Transition] = []
    while order.status not in ("done", "refunded", "closed", "manual") and len(path) < 50:
        t = advance(order, ports, 4, close_after)
        path.append(t)
        order = dataclasses.replace(order, status=t.status, attempts=order.attempts + 1 if t.retry else 0)
    return path


def test_a_verified_notification_is_proof_enough_and_the_card_is_credited_once() -> None:
    ports, pay, card = _ports()
    before = card.balances["20240001"]
    order = _order(pay, "W1", paid_fen=1000)
    pay.down = 99  # any question to WeChat Pay would fail: none is asked, the notification said so
    path = _run(order, ports)
    assert [t.status for t in path] == ["paid", "card_credited", "done"] and path[0].moved
    assert pay.down == 99
    assert card.balances["20240001"] == before + 1000


def test_without_a_notification_the_relay_asks_and_waits_then_credits() -> None:
    ports, pay, _card = _ports()
    order = _order(pay, "W2")
    waiting = advance(order, ports, 4)
    assert (waiting.status, waiting.retry) == ("created", True)
    pay.books.pay("W2")
    pay.down = 1  # a 5xx on the query: still waiting, nothing decided
    assert advance(order, ports, 4).retry
    assert advance(order, ports, 4).status == "paid"


def test_an_unpaid_order_is_closed_after_its_time_and_stays_closed() -> None:
    ports, pay, _card = _ports()
    path = _run(_order(pay, "W3", age_seconds=901), ports)
    assert [t.status for t in path] == ["closing", "closed"]
    assert pay.books.pay("W3") is None


def test_a_payment_that_lands_as_we_close_is_credited() -> None:
    ports, pay, _card = _ports()
    order = _order(pay, "W4", age_seconds=901)
    assert advance(order, ports, 4).status == "closing"
    pay.books.pay("W4")  # the student paid a moment before our close
    path = _run(dataclasses.replace(order, status="closing"), ports)
    assert [t.status for t in path] == ["paid", "card_credited", "done"]


def test_a_paid_amount_that_differs_goes_to_an_operator() -> None:
    ports, pay, _card = _ports()
    t = advance(_order(pay, "W5", paid_fen=999), ports, 4)
    assert (t.status, t.moved) == ("manual", True)


def test_a_credit_refused_for_good_is_refunded_once_though_the_answer_was_lost() -> None:
    card = CardSystemSimulator()
    ports, pay, _ = _ports(card)
    pay.books.order({"out_trade_no": "W6", "appid": "wx", "notify_url": "", "amount": {"total": 500},
                     "payer": {"openid": "o"}})
    pay.books.pay("W6")
    pay.down = 1
    order = OrderView(1, "W6", "wxtopup", "NOSUCHCARD", None, 500, "paid", 0)
    path = _run(order, ports)
    assert [t.status for t in path] == ["refunding", "refunding", "refunded"]
    assert path[-1].undone and pay.refunds_sent == 1
    assert pay.books.refunds["W6R"].amount_fen == 500


def test_a_relay_without_wechat_pay_settings_decides_nothing() -> None:
    ports, pay, _card = _ports()
    t = advance(_order(pay, "W7"), dataclasses.replace(ports, wechatpay=None), 4)
    assert (t.status, t.retry) == ("created", True)
