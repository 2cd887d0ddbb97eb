"""Top-up and fee payments from WeChat: the amount is checked, confirmed within five minutes, and only then
does an order with its outbox entry exist for the relay. No handler moves money itself."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import FeatureSwitch, MoneyOrder, MoneyOutbox
from tests.unit.fakes import NOW, FakeCardSystem, bind, ports, said, turn
from workers.money import orders
from workers.money.amounts import Limits
from workers.runtime.turn import Ports
from workers.topics import topup


@pytest.fixture
def used(session: Session, card: FakeCardSystem) -> Ports:
    """The ports of a user bound to 张三's card, with the default limits (500 a time, 1000 a day)."""
    bind(session, card)
    return ports(card)


def _orders(session: Session) -> list[MoneyOrder]:
    session.flush()
    return list(session.execute(select(MoneyOrder).order_by(MoneyOrder.id)).scalars())


def _outbox(session: Session) -> int:
    session.flush()
    return int(session.execute(select(func.count()).select_from(MoneyOutbox)).scalar_one())


def _ask(session: Session, used: Ports, amount: str, *, seconds: int = 0) -> str:
    t = turn(session, used, at=NOW + timedelta(seconds=seconds))
    topup.start_topup(c.StartTopup(amount), t)
    return said(t)


def _confirm(session: Session, used: Ports, *, seconds: int = 0) -> str:
    t = turn(session, used, at=NOW + timedelta(seconds=seconds))
    topup.confirm(c.ConfirmOrder(), t)
    for run in t.after_commit:
        run()
    return said(t)


def test_an_unbound_user_cannot_top_up(session: Session, card: FakeCardSystem) -> None:
    assert "绑定 学号" in _ask(session, ports(card), "50")
    assert _orders(session) == []


def test_a_top_up_without_an_amount_shows_how(session: Session, used: Ports) -> None:
    assert _ask(session, used, "").startswith("请发送“充值 金额”，例如：充值 50。")


@pytest.mark.parametrize(("amount", "reason"), [
    ("五十", "金额“五十”无法识别"),
    ("0", "金额必须大于 0。"),
    ("0.00", "金额必须大于 0。"),
    ("12.345", "金额“12.345”无法识别"),
    ("500.01", "单笔金额不能超过 500.00 元。"),
])
def test_a_wrong_amount_is_refused_with_the_reason(session: Session, used: Ports, amount: str, reason: str) -> None:
    text = _ask(session, used, amount)
    assert text.startswith(reason) and text.endswith("未发生任何扣款。")
    assert _orders(session) == []


def test_a_valid_amount_asks_for_confirmation_and_moves_nothing(session: Session, used: Ports) -> None:
    text = _ask(session, used, "¥50")
    [order] = _orders(session)
    assert (order.kind, order.amount_fen, order.target, order.status) == ("topup", 5000, None, orders.AWAITING)
    assert order.order_no.startswith("T20261125160000")
    assert text == (f"请确认：从绑定的银行卡圈存 50.00 元到校园卡。回复“确认”完成，回复“取消”放弃（5 分钟内有效，"
                    f"订单号 {order.order_no}）。")
    assert _outbox(session) == 0


def test_a_new_request_replaces_the_unconfirmed_one(session: Session, used: Ports) -> None:
    _ask(session, used, "50")
    _ask(session, used, "20", seconds=10)
    assert [(o.amount_fen, o.status) for o in _orders(session)] == [(5000, "cancelled"), (2000, orders.AWAITING)]


def test_the_daily_limit_counts_what_was_confirmed_today(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    used = ports(card, limits=Limits(per_transaction_fen=50_000, per_day_fen=60_000))
    _ask(session, used, "500")
    _confirm(session, used)
    text = _ask(session, used, "200", seconds=60)
    assert text == "超过每日限额 600.00 元，今天还可使用 100.00 元。 未发生任何扣款。"
    assert len(_orders(session)) == 1


def test_a_fee_payment_names_the_fee_and_its_room(session: Session, used: Ports) -> None:
    t = turn(session, used)
    topup.start_payment(c.StartPayment("power", "10-305 50"), t)
    [order] = _orders(session)
    assert (order.kind, order.target, order.amount_fen) == ("power", "10-305", 5000)
    assert order.order_no.startswith("P")
    assert said(t).startswith("请确认：用校园卡余额缴纳宿舍电费 50.00 元（10-305）。")


def test_a_fee_without_a_target_is_paid_for_the_payer(session: Session, used: Ports) -> None:
    t = turn(session, used)
    topup.start_payment(c.StartPayment("net", "30"), t)
    [order] = _orders(session)
    assert (order.kind, order.target) == ("net", "20240001")
    assert said(t).startswith("请确认：用校园卡余额缴纳校园网费 30.00 元。")


@pytest.mark.parametrize(("args", "answer"), [
    ("", "格式：电费 楼号-房间号 金额"),
    ("305 50", "房间号应为“楼号-房间号”"),
    ("10-305", "格式：电费 楼号-房间号 金额"),
])
def test_a_fee_payment_with_a_wrong_target_is_explained(session: Session, used: Ports, args: str,
                                                        answer: str) -> None:
    t = turn(session, used)
    topup.start_payment(c.StartPayment("power", args), t)
    assert said(t).startswith(answer)
    assert _orders(session) == []


def test_confirming_writes_the_order_and_its_outbox_entry_and_wakes_the_relay(session: Session,
                                                                             card: FakeCardSystem) -> None:
    bind(session, card)
    woken: list[int] = []
    used = ports(card, wake_relay=woken.append)
    _ask(session, used, "50")
    text = _confirm(session, used, seconds=30)
    [order] = _orders(session)
    assert text == f"已受理，正在处理（订单号 {order.order_no}），结果稍后通知您。"
    assert (order.status, order.event_id, order.confirmed_at) == ("created", 1, NOW + timedelta(seconds=30))
    outbox = session.execute(select(MoneyOutbox)).scalar_one()
    assert (outbox.order_id, outbox.status) == (order.id, "pending")
    assert woken == [order.id]


def test_nothing_to_confirm_says_so(session: Session, used: Ports) -> None:
    assert _confirm(session, used).startswith("没有待确认的充值或缴费（确认须在发起后 5 分钟内完成）。")
    assert _outbox(session) == 0


def test_a_confirmation_after_five_minutes_is_too_late(session: Session, used: Ports) -> None:
    _ask(session, used, "50")
    assert _confirm(session, used, seconds=301).startswith("没有待确认的充值或缴费")
    assert _outbox(session) == 0
    session.commit()
    assert orders.expire_unconfirmed(cast(Engine, session.get_bind()), NOW + timedelta(seconds=301)) == 1
    session.expire_all()
    [order] = _orders(session)
    assert (order.status, order.last_error) == ("cancelled", "not confirmed in time")


def test_a_paused_top_up_cancels_the_order_with_the_offices_message(session: Session, used: Ports) -> None:
    _ask(session, used, "50")
    session.commit()  # the question's turn ends; the office pauses 充值 before the next one
    session.add(FeatureSwitch(feature="topup", enabled=False, message="银行系统维护中，请明天再试。"))
    assert _confirm(session, used) == "银行系统维护中，请明天再试。"
    assert [o.status for o in _orders(session)] == ["cancelled"] and _outbox(session) == 0


def test_the_limits_are_checked_again_at_confirmation(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    used = ports(card, limits=Limits(per_transaction_fen=50_000, per_day_fen=60_000))
    _ask(session, used, "400")
    session.add(MoneyOrder(order_no="T-ELSEWHERE", kind="topup", openid="oA", student_no="20240001",
                           amount_fen=30_000, status="done", created_at=NOW, updated_at=NOW, expires_at=NOW))
    text = _confirm(session, used)
    assert text == "超过每日限额 600.00 元，今天还可使用 300.00 元。 订单已取消，未发生任何扣款。"
    assert [o.status for o in _orders(session)] == ["cancelled", "done"] and _outbox(session) == 0


def test_cancelling_ends_the_order_and_leaves_nothing_to_confirm(session: Session, used: Ports) -> None:
    _ask(session, used, "50")
    t = turn(session, used)
    topup.cancel(c.CancelOrder(), t)
    [order] = _orders(session)
    assert said(t) == f"已取消订单 {order.order_no}，未发生任何扣款。"
    assert order.status == "cancelled"
    assert _confirm(session, used).startswith("没有待确认的充值或缴费")
    again = turn(session, used)
    topup.cancel(c.CancelOrder(), again)
    assert said(again) == "没有待确认的订单。"


def test_a_card_reported_lost_takes_no_top_up_or_payment(session: Session, used: Ports, card: FakeCardSystem) -> None:
    card.freeze("20240001", "lost")
    text = _ask(session, used, "50")
    assert text.startswith("您的校园卡已挂失，挂失期间不能充值或缴费，未发生任何扣款。") and "解挂" in text
    t = turn(session, used)
    topup.start_payment(c.StartPayment("net", "30"), t)
    assert said(t).startswith("您的校园卡已挂失") and _orders(session) == []


def test_a_card_reported_lost_after_the_question_cancels_the_order(session: Session, used: Ports,
                                                                 card: FakeCardSystem) -> None:
    assert "请确认" in _ask(session, used, "50")
    card.freeze("20240001", "lost")
    assert _confirm(session, used).startswith("您的校园卡已挂失，挂失期间不能充值或缴费，订单已取消")
    assert [o.status for o in _orders(session)] == ["cancelled"] and _outbox(session) == 0
