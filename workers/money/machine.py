"""Each order's state machine, one external step at a time, every call keyed `<order_no>:<step>`.

Top-up:  created -> bank_debited -> card_credited -> done, or -> reversing -> reversed (冲正) / failed.
Payment: created -> card_debited -> fee_credited -> done, or -> refunding -> refunded, or failed.
WeChat Pay top-up (`wxtopup`): created (waiting for the student to pay) -> paid -> card_credited ->
done, or paid -> refunding -> refunded (退款, the credit failed for good); unpaid after
`close_after`: created -> closing -> closed (or paid, if the payment landed before the close).
A payment is known from a verified notification or from asking WeChat Pay, never assumed.
An unknown outcome (timeout, 5xx) is never guessed: the next attempt asks for the step's status
first, then retries with the same key; after `max_attempts` the step is voided at the other side
(so a late arrival cannot apply) and the order is unwound. Nothing here touches the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from adapters.keyed import Outcome
from adapters.wechatpay.port import ENDED_UNPAID, NOT_FOUND, PAID, WeChatPay
from events.errors import OnecardError, PermanentError
from events.money_kinds import OrderStatus as S
from events.money_kinds import ledger_memo
from workers.money.ports import MoneyPorts


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    order_no: str
    kind: str
    student_no: str
    target: str | None
    amount_fen: int
    status: str
    attempts: int
    #: WeChat Pay only: the amount a verified payment notification reported, the status a refund
    #: notification reported, and how old the order is (unpaid ones are closed after a while).
    paid_fen: int | None = None
    refund_state: str | None = None
    age_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Transition:
    status: S
    #: The outcome is unknown: stay, count the attempt, try again after a pause.
    retry: bool = False
    error: str | None = None
    balance_after_fen: int | None = None
    moved: bool = False
    undone: bool = False


def keyed(call: Callable[[], Outcome], query: Callable[[], Outcome], attempts: int) -> Outcome | None:
    """The step's outcome, or None when it is still unknown. A retry asks before it sends again."""
    try:
        if attempts > 0:
            seen = query()
            if seen.status != "not_found":
                return seen
        return call()
    except OnecardError:  # transient or not, a failed call says nothing about what the other side did
        return None


def advance(o: OrderView, p: MoneyPorts, max_attempts: int, close_after: float = 900.0) -> Transition:
    """The next transition of `o`: one external call (or none), never a database write."""
    last, hopeless = o.attempts + 1 >= max_attempts, o.attempts + 1 >= 3 * max_attempts
    if o.kind == "wxtopup":
        return _wechat_step(o, p, last, hopeless, close_after)
    step = _topup_step if o.kind == "topup" else _payment_step
    return step(o, p, last, hopeless)


UNKNOWN = "outcome unknown"
MANUAL = Transition(S.MANUAL, error="gave up after repeated unknown outcomes")


def _topup_step(o: OrderView, p: MoneyPorts, last: bool, hopeless: bool) -> Transition:
    no, unknown = o.order_no, Transition(S(o.status), retry=True, error=UNKNOWN)
    if o.status == S.CREATED:
        r = keyed(lambda: p.bank.debit(f"{no}:debit", order_no=no, account=o.student_no, amount_fen=o.amount_fen),
                  lambda: p.bank.query(f"{no}:debit"), o.attempts)
        if r is None:  # unknown too often: the reversal voids the debit so that it can never land
            return Transition(S.REVERSING, error="bank debit unknown: voiding it") if last else unknown
        if r.applied:
            return Transition(S.BANK_DEBITED, moved=True)
        if r.status == "refused":
            return Transition(S.FAILED, error=r.reason or "refused by the bank")
        return Transition(S.REVERSING, error=f"bank debit is {r.status}")
    if o.status == S.BANK_DEBITED:
        return _credit_card(o, p, S.REVERSING, last, unknown)
    if o.status == S.CARD_CREDITED:
        return Transition(S.DONE)
    if o.status == S.REVERSING:
        r = keyed(lambda: p.bank.reverse(f"{no}:reverse", debit_key=f"{no}:debit", order_no=no),
                  lambda: p.bank.query(f"{no}:reverse"), o.attempts)
        if r is None:
            return MANUAL if hopeless else unknown
        if r.applied:
            return Transition(S.REVERSED, undone=True)
        if r.status == "voided":
            return Transition(S.FAILED, error="bank debit never applied")
        return Transition(S.MANUAL, error=f"bank reversal is {r.status}")
    raise ValueError(f"no step for a top-up in {o.status}")


def _payment_step(o: OrderView, p: MoneyPorts, last: bool, hopeless: bool) -> Transition:
    no, unknown = o.order_no, Transition(S(o.status), retry=True, error=UNKNOWN)
    if o.status == S.CREATED:
        return _settle(o, lambda: p.ledger.debit(f"{no}:debit", order_no=no, student_no=o.student_no,
                                                 amount_fen=o.amount_fen, memo=ledger_memo(o.kind)),
                       lambda: p.ledger.query(f"{no}:debit"), lambda: p.ledger.void(f"{no}:debit", order_no=no),
                       S.CARD_DEBITED, S.FAILED, last, unknown, moved=True)
    if o.status == S.CARD_DEBITED:
        return _settle(o, lambda: p.fees.pay(f"{no}:fee", order_no=no, kind=o.kind, target=o.target or "",
                                             amount_fen=o.amount_fen, payer=o.student_no),
                       lambda: p.fees.query(f"{no}:fee"), lambda: p.fees.void(f"{no}:fee", order_no=no),
                       S.FEE_CREDITED, S.REFUNDING, last, unknown)
    if o.status == S.FEE_CREDITED:
        return Transition(S.DONE)
    if o.status == S.REFUNDING:
        r = keyed(lambda: p.ledger.credit(f"{no}:refund", order_no=no, student_no=o.student_no,
                                          amount_fen=o.amount_fen, memo=ledger_memo(o.kind, refund=True)),
                  lambda: p.ledger.query(f"{no}:refund"), o.attempts)
        if r is None:
            return MANUAL if hopeless else unknown
        if r.applied:
            return Transition(S.REFUNDED, undone=True, balance_after_fen=r.balance_after_fen)
        return Transition(S.MANUAL, error=f"card refund is {r.status}")
    raise ValueError(f"no step for a payment in {o.status}")


def _settle(o: OrderView, call: Callable[[], Outcome], query: Callable[[], Outcome], void: Callable[[], Outcome],
            ok: S, unwind: S, last: bool, unknown: Transition, moved: bool = False) -> Transition:
    """A step that is either applied (-> ok) or certainly not (-> unwind); unknown for too long: void it."""
    r = keyed(call, query, o.attempts)
    if r is None and last:
        try:
            r = void()
        except OnecardError:
            return unknown
    if r is None:
        return unknown
    if r.applied:
        return Transition(ok, balance_after_fen=r.balance_after_fen, moved=moved)
    return Transition(unwind, error=r.reason or f"step is {r.status}")


def _credit_card(o: OrderView, p: MoneyPorts, unwind: S, last: bool, unknown: Transition) -> Transition:
    """Credit the paid amount to the card, keyed by the order: the last step of both ways to top up,
    which differ only in how the money goes back when the card refuses (`unwind`)."""
    no = o.order_no
    return _settle(o, lambda: p.ledger.credit(f"{no}:credit", order_no=no, student_no=o.student_no,
                                              amount_fen=o.amount_fen, memo=ledger_memo(o.kind)),
                   lambda: p.ledger.query(f"{no}:credit"), lambda: p.ledger.void(f"{no}:credit", order_no=no),
                   S.CARD_CREDITED, unwind, last, unknown)


def _wechat_step(o: OrderView, p: MoneyPorts, last: bool, hopeless: bool, close_after: float) -> Transition:
    no, unknown, pay = o.order_no, Transition(S(o.status), retry=True, error=UNKNOWN), p.wechatpay
    if pay is None:
        return MANUAL if hopeless else unknown
    if o.status in (S.CREATED, S.CLOSING):
        if o.paid_fen is not None:  # a verified notification: no need to ask
            return _paid(o, o.paid_fen)
        try:
            if o.status == S.CLOSING:
                _close(pay, no)
            seen = pay.query(no)
        except OnecardError:
            return (MANUAL if hopeless else unknown) if o.status == S.CLOSING else _waiting(o, close_after)
        if seen.trade_state == PAID:
            return _paid(o, seen.amount_fen)
        if seen.trade_state in ENDED_UNPAID or (o.status == S.CLOSING and seen.trade_state == NOT_FOUND):
            return Transition(S.CLOSED, error=f"not paid: {seen.trade_state}")
        return unknown if o.status == S.CLOSING else _waiting(o, close_after)
    if o.status == S.PAID:
        return _credit_card(o, p, S.REFUNDING, last, unknown)
    if o.status == S.CARD_CREDITED:
        return Transition(S.DONE)
    if o.status == S.REFUNDING:
        return _refund(o, pay, hopeless, unknown)
    raise ValueError(f"no step for a WeChat Pay top-up in {o.status}")


def _waiting(o: OrderView, close_after: float) -> Transition:
    if o.age_seconds >= close_after:
        return Transition(S.CLOSING)
    return Transition(S(o.status), retry=True, error="awaiting payment")


def _close(pay: WeChatPay, no: str) -> None:
    with contextlib.suppress(PermanentError):  # ORDERPAID: the student paid first; the query says so
        pay.close(no)


def _paid(o: OrderView, fen: int | None) -> Transition:
    if fen != o.amount_fen:
        return Transition(S.MANUAL, error=f"WeChat Pay reports {fen} fen paid", moved=True)
    return Transition(S.PAID, moved=True)


def _refund(o: OrderView, pay: WeChatPay, hopeless: bool, unknown: Transition) -> Transition:
    """Give the money back where it came from, once: out_refund_no is `<order_no>R` on every try."""
    refund_no = f"{o.order_no}R"
    state = o.refund_state
    if state is None:
        try:
            seen = pay.query_refund(refund_no) if o.attempts > 0 else None
            if seen is None or seen.status == NOT_FOUND:
                seen = pay.refund(refund_no, out_trade_no=o.order_no, amount_fen=o.amount_fen,
                                  total_fen=o.amount_fen, reason="校园卡充值未能入账")
        except OnecardError:
            return MANUAL if hopeless else unknown
        state = seen.status
    if state == "SUCCESS":
        return Transition(S.REFUNDED, undone=True)
    if state == "PROCESSING":
        return MANUAL if hopeless else Transition(S(o.status), retry=True, error="refund processing")
    return Transition(S.MANUAL, error=f"WeChat Pay refund is {state}")
