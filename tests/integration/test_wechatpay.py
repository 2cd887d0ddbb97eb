"""WeChat Pay top-ups over HTTP: the page's order, the simulator's pay sheet and notifications, the
real `/wechatpay/notify` (into the inbox) and the topup pool's payment notices (out of it), the relay
crediting, closing and refunding; and every refusal."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adapters.cardsystem.demo import DemoHolder
from adapters.wechatpay import signing
from adapters.wechatpay.port import bill_ready_at
from adapters.wechatpay.sim_notify import envelope
from adapters.wechatpay.simulator import WeChatPaySimulator
from events.campus_time import SHANGHAI
from events.payment_notices import PaymentNotice
from events.payment_notices import read as read_notice
from events.topics import Topic
from store.inbox import WECHAT, WECHATPAY, store_once
from store.tables import (
    Binding,
    Discrepancy,
    InboxEvent,
    MoneyOrder,
    MoneyOutbox,
    OutboundMessage,
    ReconciliationRun,
    WeChatPayNotification,
    utcnow,
)
from tests.harness import Stack, new_openid
from workers.jobs.sweeper import sweep
from workers.money import start as money
from workers.money import wechat_topup
from workers.money.amounts import Limits
from workers.money.notices import PaymentNotices
from workers.money.orders import TERMINAL
from workers.money.reconcile.resolve import resolve_discrepancy
from workers.money.reconcile.run import reconcile
from workers.money.relay import Relay
from workers.runtime.actors import inbox_actor
from workers.runtime.by_source import BySource
from workers.runtime.pipeline import Pipeline
from workers.runtime.turns import WeChatTurns
from workers.topics import all_handlers


@pytest.fixture(autouse=True)
def _clear_faults(stack: Stack) -> None:
    requests.delete(f"{stack.simulator_url}/wechatpay/_faults", timeout=10).raise_for_status()
    stack.money_faults("card")


def _faults(stack: Stack, **faults: float) -> None:
    requests.post(f"{stack.simulator_url}/wechatpay/_faults", json=faults, timeout=10).raise_for_status()


@pytest.fixture
def student(stack: Stack) -> tuple[str, str]:
    """(openid, student_no) of a bound card holder of this test only."""
    openid, student_no = new_openid(), new_openid("W")[:12]
    stack.simulators.card.add_holder(DemoHolder(student_no, "测试", "13700000008", "6197", 10_000))
    with stack.platform.uow() as uow:
        uow.session.add(Binding(openid=openid, student_no=student_no, name="测试", phone="13700000008"))
        uow.commit()
    return openid, student_no


def _start(stack: Stack, openid: str, amount: str = "12.34") -> wechat_topup.PayRequest:
    pay = stack.platform.money.wechatpay if stack.platform.money else None
    assert pay is not None
    return wechat_topup.start(stack.platform.uow, pay, money.asking(stack.platform.ports.card), openid=openid,
                              amount_text=amount, limits=Limits(),
                              now=utcnow(), close_after=timedelta(minutes=15), wake=lambda *_: None)


def _pay_sheet(stack: Stack, request: wechat_topup.PayRequest, action: str = "pay") -> str:
    answer = requests.post(f"{stack.simulator_url}/wechatpay/_sim/pay", json={"pay": request.params, "action": action},
                           timeout=10)
    return str(answer.json()["err_msg"])


def _relay(stack: Stack, close_after: float = 900) -> Relay:
    """The session's relay, stepped by the test itself; it waits 50 ms between tries instead of backing
    off, so that a run of injected errors (one query in two fails) cannot outlast the test's patience."""
    return dataclasses.replace(stack.platform.relay(), wake=lambda *_: None, deliver=lambda *_: None,
                               lease=timedelta(seconds=5), close_after=timedelta(seconds=close_after),
                               pause_after=lambda _attempts: timedelta(milliseconds=50))


def _order(stack: Stack, order_no: str) -> MoneyOrder:
    with stack.platform.uow() as uow:
        order = uow.session.execute(select(MoneyOrder).where(MoneyOrder.order_no == order_no)).scalar_one()
        uow.session.expunge(order)
        return order


def _notices(stack: Stack, wakes: list[int] | None = None) -> Pipeline[None]:
    """The pipeline of payment notices as the topup pool runs it; `wakes` collects the relay's wake-ups."""
    return Pipeline(PaymentNotices((wakes if wakes is not None else []).append), stack.platform.uow)


def _run_notices(stack: Stack) -> None:
    """Run the inbox's waiting payment notices, as the topup pool would: this stack starts no pool (where
    the session's pools run, they may have run some first; those are skipped here)."""
    with stack.platform.uow() as uow:
        waiting = uow.session.execute(select(InboxEvent.id).where(InboxEvent.source == WECHATPAY,
                                                                  InboxEvent.status == "received")).scalars().all()
    pipeline = _notices(stack)
    for event_id in waiting:
        pipeline.process_one(event_id)


def _notifications(stack: Stack, order_no: str | None = None) -> int:
    """The notifications recorded, once the inbox's waiting ones ran."""
    _run_notices(stack)
    with stack.platform.uow() as uow:
        query = select(func.count()).select_from(WeChatPayNotification)
        if order_no:
            query = query.where(WeChatPayNotification.out_trade_no == order_no)
        return int(uow.session.execute(query).scalar_one())


def _until(check: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def _drive(relay: Relay, order_id: int, seconds: float = 15) -> str:
    """Step the order until it ends; where the session's worker pools run, their relay may end it first
    (a notification wakes them): its end is read back then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outcome = relay.drive(order_id)
        if outcome not in ("retry", "not_claimed"):
            return outcome
        with Session(relay.engine) as session:
            status = session.get_one(MoneyOrder, order_id).status
        if status in TERMINAL:
            return status
        time.sleep(0.1)
    raise AssertionError("order did not end")


def test_a_paid_order_is_notified_once_and_credited_once(stack: Stack, student: tuple[str, str]) -> None:
    openid, student_no = student
    _faults(stack, repeat_notify_rate=1.0)
    request = _start(stack, openid)
    assert request.params["package"].startswith("prepay_id=") and request.params["signType"] == "RSA"
    before = stack.simulators.card.balances[student_no]
    assert _pay_sheet(stack, request) == "get_brand_wcpay_request:ok"
    _until(lambda: stack.simulators.wechatpay.notifier.idle() and stack.simulators.wechatpay.notifier.repeated)
    assert _notifications(stack, request.order_no) == 1  # sent twice, stored once
    order = _order(stack, request.order_no)
    assert _drive(_relay(stack), order.id) == "done"
    assert stack.simulators.card.balances[student_no] == before + 1234
    newest = (stack.simulators.card.statement(student_no) or [])[0]
    assert (newest.merchant, newest.amount_fen) == ("微信充值", 1234)  # 流水 names a WeChat Pay top-up as one
    with stack.platform.uow() as uow:
        receipt = uow.session.execute(select(OutboundMessage.body).where(OutboundMessage.recipient == openid)).scalar()
    assert receipt is not None and "微信支付充值成功" in receipt and request.order_no in receipt


def test_a_lost_notification_is_made_up_for_by_asking(stack: Stack, student: tuple[str, str]) -> None:
    _faults(stack, lost_notify_rate=1.0, query_error_rate=0.5)
    request = _start(stack, student[0], "5")
    assert _pay_sheet(stack, request) == "get_brand_wcpay_request:ok"
    assert _drive(_relay(stack), _order(stack, request.order_no).id) == "done"
    assert _notifications(stack, request.order_no) == 0


def test_an_unpaid_order_is_closed_and_can_no_longer_be_paid(stack: Stack, student: tuple[str, str]) -> None:
    request = _start(stack, student[0], "8")
    assert _pay_sheet(stack, request, "cancel") == "get_brand_wcpay_request:cancel"
    assert _drive(_relay(stack, close_after=0), _order(stack, request.order_no).id) == "closed"
    assert stack.simulators.wechatpay.books.orders[request.order_no].state == "CLOSED"
    assert _pay_sheet(stack, request) == "get_brand_wcpay_request:fail"


def test_a_payment_landing_as_we_close_is_credited_not_lost(stack: Stack, student: tuple[str, str]) -> None:
    _faults(stack, pay_on_close_rate=1.0, lost_notify_rate=1.0)
    request = _start(stack, student[0], "9")
    assert _drive(_relay(stack, close_after=0), _order(stack, request.order_no).id) == "done"
    assert stack.simulators.wechatpay.books.orders[request.order_no].state == "SUCCESS"


def test_a_credit_that_fails_for_good_is_refunded_and_the_refund_notified(stack: Stack) -> None:
    """The card is reported lost between the page's order and the payment: the card system refuses
    the credit, so the payment goes back (the page itself refuses a card already lost)."""
    openid = new_openid()
    stack.simulators.card.add_holder(DemoHolder("X0019", "挂失卡", "13700000019", "6196", 0))
    with stack.platform.uow() as uow:
        uow.session.add(Binding(openid=openid, student_no="X0019", name="挂失卡", phone="13700000019"))
        uow.commit()
    request = _start(stack, openid, "20")
    stack.simulators.card.change("X0019", status="lost")
    assert _pay_sheet(stack, request) == "get_brand_wcpay_request:ok"
    assert _drive(_relay(stack), _order(stack, request.order_no).id) == "refunded"
    assert stack.simulators.wechatpay.books.refunds[f"{request.order_no}R"].amount_fen == 2000
    _until(lambda: _notifications(stack, request.order_no) == 2)  # the payment's and the refund's


def test_an_amount_beyond_the_limits_or_an_unbound_user_records_nothing(stack: Stack, student: tuple[str, str]) -> None:
    with pytest.raises(money.Refused, match="单笔金额"):
        _start(stack, student[0], "501")
    with pytest.raises(money.Refused, match="绑定"):
        _start(stack, new_openid(), "5")


# -- refusals: each answered 401 or 400, and nothing stored -------------------------------------------------

def _resource(sim: WeChatPaySimulator, order_no: str, fen: int, tid: str | None = None) -> dict[str, Any]:
    data = {"mchid": sim.mchid, "appid": "wx", "out_trade_no": order_no, "transaction_id": tid or new_openid("42"),
            "trade_state": "SUCCESS", "amount": {"total": fen, "payer_total": fen, "currency": "CNY"}}
    return signing.encrypt(data, sim.apiv3_key, "transaction")


def _post(stack: Stack, resource: dict[str, Any], headers: Any = None) -> int:
    sim = stack.simulators.wechatpay
    body = json.dumps(envelope("TRANSACTION.SUCCESS", "支付成功", resource))
    sent = headers(body) if headers else sim.signed(body)
    answer = requests.post(f"{stack.ingress_url}/wechatpay/notify", data=body.encode(), timeout=10,
                           headers={"Content-Type": "application/json", **sent})
    return answer.status_code


@pytest.fixture
def unpaid(stack: Stack, student: tuple[str, str]) -> str:
    return _start(stack, student[0], "3").order_no


def test_a_genuine_notification_is_stored_and_its_repeat_is_not(stack: Stack, unpaid: str) -> None:
    resource = _resource(stack.simulators.wechatpay, unpaid, 300, tid="4200000000000000000001")
    assert _post(stack, resource) == 204
    assert _post(stack, resource) == 204
    assert _notifications(stack, unpaid) == 1


@pytest.mark.parametrize("forgery", ["forged signature", "stale timestamp", "wrong serial", "no signature"])
def test_a_notification_the_platform_did_not_sign_is_refused_401(stack: Stack, unpaid: str, forgery: str) -> None:
    sim, stranger = stack.simulators.wechatpay, signing.new_private_key()
    headers = {
        "forged signature": lambda body: signing.signed_headers(stranger, sim.platform_serial, body),
        "stale timestamp": lambda body: signing.signed_headers(sim.platform_key, sim.platform_serial, body,
                                                               now=time.time() - 3600),
        "wrong serial": lambda body: signing.signed_headers(sim.platform_key, "PUB_KEY_ID_0000OTHER", body),
        "no signature": lambda body: {},
    }[forgery]
    assert _post(stack, _resource(sim, unpaid, 300), headers) == 401
    assert _notifications(stack, unpaid) == 0


def test_a_tampered_ciphertext_is_refused_400(stack: Stack, unpaid: str) -> None:
    resource = _resource(stack.simulators.wechatpay, unpaid, 300)
    sealed = bytearray(base64.b64decode(resource["ciphertext"]))
    sealed[5] ^= 0x01
    resource["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
    assert _post(stack, resource) == 400
    assert _notifications(stack, unpaid) == 0


def test_a_notified_amount_that_differs_from_the_order_is_refused_400(stack: Stack, unpaid: str) -> None:
    assert _post(stack, _resource(stack.simulators.wechatpay, unpaid, 30000)) == 400
    assert _notifications(stack, unpaid) == 0


def test_a_notification_for_an_unknown_order_is_refused_400(stack: Stack) -> None:
    before = _notifications(stack)
    assert _post(stack, _resource(stack.simulators.wechatpay, "W20261130000000NOSUCHNO", 300)) == 400
    assert _notifications(stack) == before


def test_the_trade_bill_is_reconciled_with_the_bank_statements_classes(stack: Stack, student: tuple[str, str]) -> None:
    money = stack.platform.money
    assert money is not None and money.wechatpay is not None
    matched = _start(stack, student[0], "6")
    assert _pay_sheet(stack, matched) == "get_brand_wcpay_request:ok"
    assert _drive(_relay(stack), _order(stack, matched.order_no).id) == "done"
    stranger = "W20990101000000STRANGER"  # WeChat Pay took money for an order number we never made
    money.wechatpay.jsapi(stranger, description="?", amount_fen=700, openid="o", expires_at="2099-01-01T00:00:00+08:00")
    stack.simulators.wechatpay.books.pay(stranger)
    ours_only = _start(stack, student[0], "4")  # we think it paid; WeChat Pay never booked it
    with stack.platform.uow() as uow:
        order = uow.session.execute(select(MoneyOrder).where(MoneyOrder.order_no == ours_only.order_no)).scalar_one()
        order.status, order.moved_at = "done", utcnow()
        uow.commit()
    day = utcnow().astimezone(SHANGHAI).date()
    with stack.wechatpay_time(bill_ready_at(day)):  # tomorrow 10:00, when WeChat Pay has today's bill
        run_id = reconcile(stack.platform.engine, money, day, triggered_by="test", source="wechatpay")
    with stack.platform.uow() as uow:
        run = uow.session.get_one(ReconciliationRun, run_id)
        items = list(uow.session.execute(select(Discrepancy).where(Discrepancy.run_id == run_id)).scalars())
        found = {(d.order_no, d.kind): d for d in items}
        assert (run.status, run.source) == ("done", "wechatpay")
        if not _near_midnight():
            assert matched.order_no not in {no for no, _kind in found}
            assert (found[stranger, "bank_only"].bank_fen, found[stranger, "bank_only"].status) == (700, "open")
            assert found[ours_only.order_no, "platform_only"].platform_fen == 400
            # no 补写 of a card whose money never arrived: the operator decides
            assert found[ours_only.order_no, "card_mismatch"].status == "open"
        decided = resolve_discrepancy(uow.session, found[stranger, "bank_only"].id, "op", "refunded_user",
                                      "原路退回付款人")
        assert decided.status == "resolved"


def _near_midnight() -> bool:
    local = utcnow().astimezone(SHANGHAI)
    return (local.hour == 23 and local.minute >= 50) or (local.hour == 0 and local.minute <= 10)


@pytest.mark.parametrize("oddity", ["another merchant", "unknown event", "refund we never asked for", "not JSON"])
def test_a_signed_notification_that_is_not_about_our_orders_is_refused_400(stack: Stack, unpaid: str,
                                                                           oddity: str) -> None:
    sim = stack.simulators.wechatpay
    data: dict[str, Any] = {"mchid": sim.mchid, "out_trade_no": unpaid, "transaction_id": "42" + "0" * 26,
                            "trade_state": "SUCCESS", "amount": {"total": 300, "refund": 300},
                            "refund_id": "50" + "1" * 26, "out_refund_no": f"{unpaid}X", "refund_status": "SUCCESS"}
    event = "REFUND.SUCCESS" if oddity == "refund we never asked for" else "TRANSACTION.SUCCESS"
    if oddity == "another merchant":
        data["mchid"] = "1900000999"
    if oddity == "unknown event":
        event = "PROFITSHARING.SUCCESS"
    body = json.dumps(envelope(event, "?", signing.encrypt(data, sim.apiv3_key, "transaction")))
    if oddity == "not JSON":
        body = "{not json"
    answer = requests.post(f"{stack.ingress_url}/wechatpay/notify", data=body.encode(), timeout=10,
                           headers={"Content-Type": "application/json", **sim.signed(body)})
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    assert _notifications(stack, unpaid) == 0


# -- a notification is an inbox event: stored once, recorded once, woken once --------------------------------

def _inbox_events(stack: Stack, tid: str) -> list[InboxEvent]:
    with stack.platform.uow() as uow:
        events = list(uow.session.execute(select(InboxEvent).where(InboxEvent.dedup_key == f"wxpay:pay:{tid}"))
                      .scalars())
        uow.session.expunge_all()
        return events


def _paid_notice(stack: Stack, order_no: str, fen: int) -> PaymentNotice:
    sim, tid = stack.simulators.wechatpay, new_openid("42")
    data = {"mchid": sim.mchid, "appid": "wx", "out_trade_no": order_no, "transaction_id": tid,
            "trade_state": "SUCCESS", "amount": {"total": fen, "payer_total": fen, "currency": "CNY"}}
    return read_notice("TRANSACTION.SUCCESS", data, sim.mchid)


def test_a_notification_posted_twice_is_one_inbox_event_of_the_topup_topic(stack: Stack, unpaid: str) -> None:
    tid = new_openid("42")
    resource = _resource(stack.simulators.wechatpay, unpaid, 300, tid=tid)
    assert [_post(stack, resource), _post(stack, resource)] == [204, 204]
    [event] = _inbox_events(stack, tid)
    assert (event.source, event.topic, event.payload["out_trade_no"]) == (WECHATPAY, Topic.TOPUP.value, unpaid)
    assert _notifications(stack, unpaid) == 1


def test_the_same_notice_processed_twice_records_once_and_wakes_once(stack: Stack, unpaid: str) -> None:
    order = _order(stack, unpaid)
    with stack.platform.uow() as uow:  # not due yet: the notice is what makes it due
        uow.session.execute(update(MoneyOutbox).where(MoneyOutbox.order_id == order.id)
                            .values(next_attempt_at=utcnow() + timedelta(hours=1)))
        uow.commit()
    event_id = store_once(stack.platform.engine, _paid_notice(stack, unpaid, 300), Topic.TOPUP.value)
    assert event_id is not None  # stored, deliberately not enqueued: only this test runs it
    wakes: list[int] = []
    assert [_notices(stack, wakes).process_one(event_id) for _ in range(2)] == ["pay:recorded", "duplicate"]
    assert _notices(stack, wakes).process_group([event_id]) == ["duplicate"]
    assert wakes == [order.id]
    assert _notifications(stack, unpaid) == 1
    with stack.platform.uow() as uow:
        due = uow.session.execute(select(MoneyOutbox.next_attempt_at).where(MoneyOutbox.order_id == order.id))
        assert due.scalar_one() <= utcnow()


def test_a_notice_never_enqueued_is_completed_after_the_sweepers_re_enqueue(stack: Stack, unpaid: str) -> None:
    """The ingress died between the inbox insert and the enqueue: the sweeper hands the event to the
    topup topic again, whose actor runs it by its source."""
    notice = _paid_notice(stack, unpaid, 300)
    event_id = store_once(stack.platform.engine, notice, Topic.TOPUP.value)
    assert event_id is not None
    enqueued: list[tuple[str, int]] = []
    sweep(stack.platform.engine, older_than=timedelta(0), enqueue_events=enqueued.extend, deliver=lambda _: None)
    assert (Topic.TOPUP.value, event_id) in enqueued
    wakes: list[int] = []
    turns = WeChatTurns(stack.platform.ports, all_handlers(), lambda _items: None)
    topup = BySource({WECHAT: turns, WECHATPAY: PaymentNotices(wakes.append)}, stack.platform.uow)
    inbox_actor(Pipeline(topup, stack.platform.uow), Topic.TOPUP)([event_id])
    with stack.platform.uow() as uow:
        assert uow.session.get_one(InboxEvent, event_id).status == "processed"
        recorded = uow.session.execute(select(WeChatPayNotification.order_id)
                                       .where(WeChatPayNotification.dedup_key == notice.dedup_key)).scalar_one()
    assert wakes == [recorded] == [_order(stack, unpaid).id]
