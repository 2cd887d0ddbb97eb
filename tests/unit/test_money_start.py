"""One way to start a money order: every path gets the same refusals, and nothing is written for one."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from events.money_kinds import BY_CODE, TOPUP, WECHAT_TOPUP, Kind, OrderStatus
from store.tables import FeatureSwitch, MoneyOrder, MoneyOutbox
from tests.unit.fakes import NOW, FakeCardSystem, bind
from workers.money import start as money
from workers.money.amounts import Limits

LIMITS = Limits(per_transaction_fen=50_000, per_day_fen=60_000, confirm_seconds=300)
PAGE = money.Confirmed(expires_at=NOW + timedelta(minutes=15), first_step_at=NOW + timedelta(seconds=5))


def _counts(session: Session) -> tuple[int, int]:
    session.flush()
    return (int(session.execute(select(func.count()).select_from(MoneyOrder)).scalar_one()),
            int(session.execute(select(func.count()).select_from(MoneyOutbox)).scalar_one()))


def _refused(session: Session, card: FakeCardSystem, amount: str | int = "50", *, openid: str = "oA",
             confirmed: money.Confirmed | None = None) -> money.Refused:
    with pytest.raises(money.Refused) as caught:
        money.start(session, money.asking(card), openid=openid, kind=TOPUP, amount=amount, limits=LIMITS, now=NOW,
                    confirmed=confirmed)
    assert _counts(session) == (0, 0)
    return caught.value


def test_a_question_awaits_confirmation_and_has_no_outbox_entry(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    order = money.start(session, money.asking(card), openid="oA", kind=BY_CODE["power"], amount="12.5",
                        target="10-305", limits=LIMITS, now=NOW)
    assert (order.status, order.amount_fen, order.target, order.expires_at) == (
        OrderStatus.AWAITING, 1250, "10-305", NOW + timedelta(seconds=300))
    assert _counts(session) == (1, 0)


def test_a_confirmed_start_has_its_outbox_entry_in_the_same_transaction(session: Session,
                                                                       card: FakeCardSystem) -> None:
    bind(session, card)
    order = money.start(session, money.asking(card), openid="oA", kind=WECHAT_TOPUP, amount="20", limits=LIMITS,
                        now=NOW, confirmed=PAGE)
    [entry] = session.execute(select(MoneyOutbox)).scalars()
    assert (order.status, order.kind, order.order_no[0]) == (OrderStatus.CREATED, "wxtopup", "W")
    assert (entry.order_id, entry.status, entry.next_attempt_at) == (order.id, "pending", PAGE.first_step_at)


def _refused_after(session: Session, card: FakeCardSystem, amount: str) -> money.Refused:
    with pytest.raises(money.Refused) as caught:
        money.start(session, money.asking(card), openid="oA", kind=TOPUP, amount=amount, limits=LIMITS, now=NOW)
    return caught.value


def test_an_unbound_user_is_told_how_to_bind(session: Session, card: FakeCardSystem) -> None:
    refused = _refused(session, card, confirmed=PAGE)
    assert (refused.reason, str(refused)) == ("not_bound", money.NOT_BOUND)


@pytest.mark.parametrize(("status", "reason", "words"), [
    ("lost", "card_lost", "您的校园卡已挂失，挂失期间不能充值或缴费，未发生任何扣款。找回卡片后发送“解挂”即可恢复。"),
    ("frozen", "card_frozen", "不能充值或缴费，未发生任何扣款。请联系校园卡服务中心。"),
    ("cancelled", "card_cancelled", "不能充值或缴费，未发生任何扣款。请联系校园卡服务中心。"),
])
def test_a_lost_frozen_or_cancelled_card_is_refused_on_every_path(session: Session, card: FakeCardSystem,
                                                                  status: str, reason: str, words: str) -> None:
    bind(session, card)
    card.holders["20240001"] = dataclasses.replace(card.holders["20240001"], status=status)
    for confirmed in (None, PAGE):
        refused = _refused(session, card, confirmed=confirmed)
        assert refused.reason == reason and str(refused).endswith(words)


@pytest.mark.parametrize(("amount", "reason", "words"), [
    ("五十", "amount", "金额“五十”无法识别，请输入正数金额，最多两位小数，例如 50 或 12.50。 未发生任何扣款。"),
    ("0", "amount", "金额必须大于 0。 未发生任何扣款。"),
    (0, "amount", "金额必须大于 0。 未发生任何扣款。"),
    ("500.01", "limit", "单笔金额不能超过 500.00 元。 未发生任何扣款。"),
])
def test_an_amount_that_is_not_one_or_over_the_limit_is_refused(session: Session, card: FakeCardSystem,
                                                                amount: str | int, reason: str, words: str) -> None:
    bind(session, card)
    refused = _refused(session, card, amount)
    assert (refused.reason, str(refused)) == (reason, words)


def test_the_day_limit_counts_the_other_orders_of_the_day(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    money.start(session, money.asking(card), openid="oA", kind=TOPUP, amount=40_000, limits=LIMITS, now=NOW,
                confirmed=PAGE)
    refused = _refused_after(session, card, "300")
    assert str(refused) == "超过每日限额 600.00 元，今天还可使用 200.00 元。 未发生任何扣款。"


@pytest.mark.parametrize(("kind", "feature"), [(TOPUP, "topup"), (WECHAT_TOPUP, "topup"), (BY_CODE["net"], "fees")])
def test_a_paused_function_is_refused_with_the_offices_message(session: Session, card: FakeCardSystem,
                                                              kind: Kind, feature: str) -> None:
    bind(session, card)
    session.add(FeatureSwitch(feature=feature, enabled=False, message="系统维护中。"))
    session.flush()
    with pytest.raises(money.Refused) as caught:
        money.start(session, money.asking(card), openid="oA", kind=kind, amount="5", limits=LIMITS, now=NOW,
                    confirmed=PAGE)
    assert (caught.value.reason, str(caught.value)) == ("paused", "系统维护中。") and _counts(session) == (0, 0)


def test_confirmation_rechecks_the_card_and_cancels_the_order(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    order = money.start(session, money.asking(card), openid="oA", kind=TOPUP, amount="50", limits=LIMITS, now=NOW)
    card.freeze("20240001", "lost")
    with pytest.raises(money.Refused) as caught:
        money.confirm(session, money.asking(card), order, LIMITS, event_id=1, reply_deadline=NOW, now=NOW)
    assert caught.value.cancelled().startswith("您的校园卡已挂失，挂失期间不能充值或缴费，订单已取消，未发生任何扣款。")
    session.refresh(order)
    assert order.status == OrderStatus.CANCELLED and _counts(session) == (1, 0)


def test_confirmation_of_an_acceptable_order_adds_its_outbox_entry(session: Session, card: FakeCardSystem) -> None:
    bind(session, card)
    order = money.start(session, money.asking(card), openid="oA", kind=TOPUP, amount="50", limits=LIMITS, now=NOW)
    assert money.confirm(session, money.asking(card), order, LIMITS, event_id=1, reply_deadline=NOW, now=NOW)
    session.refresh(order)
    assert order.status == OrderStatus.CREATED and _counts(session) == (1, 1)
