"""Messages about one order arrive in order: "已受理，正在处理…" is never sent after the receipt.

The race is forced: the relay finishes the order while the confirmation's answer is still unsent
(it is dropped) or still on the wire (the receipt waits for it).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import update

from adapters.bank.client import HttpBank
from adapters.cardsystem.client import HttpCardSystem
from adapters.fees.client import HttpFeeSystems
from store import outbound
from store.tables import InboxEvent, OutboundMessage, utcnow
from tests.harness import Stack, new_openid
from workers.money import orders
from workers.money.ports import MoneyPorts
from workers.money.relay import Relay


def _confirmed_with_answer(stack: Stack) -> tuple[int, int]:
    """An order confirmed by an event whose answer ("已受理") is recorded but not yet sent: (order, answer)."""
    openid, now = new_openid(), utcnow()
    with stack.platform.uow() as uow:
        event = InboxEvent(dedup_key=f"{openid}:1", openid=openid, msg_type="text", content="确认", payload={},
                           create_time=int(now.timestamp()), topic="topup")
        uow.session.add(event)
        uow.session.flush()
        order = orders.ask(uow.session, openid=openid, student_no="20240003", kind="topup", target=None,
                           amount_fen=100, now=now, confirm_seconds=60)
        orders.confirm(uow.session, order, event_id=event.id, reply_deadline=now + timedelta(minutes=1), now=now)
        answer = outbound.add(uow.session, outbound.Message("wechat", openid, "已受理，正在处理"),
                              event_id=event.id)
        uow.session.flush()
        ids = (order.id, answer.id)
        uow.commit()
        return ids


def _relay(stack: Stack, delivered: list[tuple[int, float]]) -> Relay:
    s = stack.settings
    ports = MoneyPorts(HttpBank(s.bank_url or ""), HttpCardSystem(s.card_system_url or ""),
                       HttpFeeSystems(s.fees_url or ""))
    return Relay(stack.platform.engine, ports, wake=lambda *_: None,
                 deliver=lambda oid, _channel: delivered.append((oid, time.monotonic())), lease=timedelta(seconds=5))


def _status(stack: Stack, outbound_id: int) -> str:
    with stack.platform.uow() as uow:
        return uow.session.get_one(OutboundMessage, outbound_id).status


def test_an_answer_not_yet_sent_when_the_receipt_is_ready_is_dropped(stack: Stack) -> None:
    order_id, answer_id = _confirmed_with_answer(stack)
    delivered: list[tuple[int, float]] = []
    assert _relay(stack, delivered).drive(order_id) == "done"
    assert _status(stack, answer_id) == "superseded" and len(delivered) == 1
    # The reply worker that picks the answer up afterwards finds nothing to send.
    assert outbound.claim(stack.platform.engine, [answer_id], timedelta(seconds=30)) == []


def test_a_receipt_waits_for_the_answer_already_on_the_wire(stack: Stack) -> None:
    order_id, answer_id = _confirmed_with_answer(stack)
    assert [c.id for c in outbound.claim(stack.platform.engine, [answer_id], timedelta(seconds=30))] == [answer_id]
    finished: list[float] = []

    def send_slowly() -> None:
        time.sleep(0.3)
        finished.append(time.monotonic())
        outbound.finish(stack.platform.engine, [answer_id], "sent")

    sender = threading.Thread(target=send_slowly)
    sender.start()
    delivered: list[tuple[int, float]] = []
    assert _relay(stack, delivered).drive(order_id) == "done"
    sender.join()
    assert _status(stack, answer_id) == "sent"
    assert len(delivered) == 1 and delivered[0][1] >= finished[0]


def test_a_receipt_does_not_wait_forever_for_a_stuck_answer(stack: Stack) -> None:
    _order_id, answer_id = _confirmed_with_answer(stack)
    with stack.platform.uow() as uow:
        uow.session.execute(update(OutboundMessage).where(OutboundMessage.id == answer_id).values(status="sending"))
        uow.commit()
    assert not outbound.wait_until_done(stack.platform.engine, [answer_id], timeout=0.1)
