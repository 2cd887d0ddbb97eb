"""Each order's state machine, one external step at a time, every call keyed `<order_no>:<step>`.

Top-up:  created -> bank_debited -> card_credited -> done, or -> reversing -> reversed (冲正) / failed.
Payment: created -> card_debited -> fee_credited -> done, or -> refunding -> refunded, or failed.
An unknown outcome (timeout, 5xx) is never guessed: the next attempt asks for the step's status
first, then retries with the same key; after `max_attempts` the step is voided at the other side
(so a late arrival cannot apply) and the order is unwound. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.keyed import Outcome
from events.errors import OnecardError
from events.money_kinds import BY_CODE
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


@dataclass(frozen=True, slots=True)
class Transition:
    status: str
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


def advance(o: OrderView, p: MoneyPorts, max_attempts: int) -> Transition:
    """The next transition of `o`: one external call (or none), never a database write."""
    step = _topup_step if o.kind == "topup" else _payment_step
    return step(o, p, o.attempts + 1 >= max_attempts, o.attempts + 1 >= 3 * max_attempts)


UNKNOWN = "outcome unknown"
MANUAL = Transition("manual", error="gave up after repeated unknown outcomes")


def _topup_step(o: OrderView, p: MoneyPorts, last: bool, hopeless: bool) -> Transition:
    no, unknown = o.order_no, Transition(o.status, retry=True, error=UNKNOWN)
    if o.status == "created":
        r = keyed(lambda: p.bank.debit(f"{no}:debit", order_no=no, account=o.student_no, amount_fen=o.amount_fen),
                  lambda: p.bank.query(f"{no}:debit"), o.attempts)
        if r is None:  # unknown too often: the reversal voids the debit so that it can never land
            return Transition("reversing", error="bank debit unknown: voiding it") if last else unknown
        if r.applied:
            return Transition("bank_debited", moved=True)
        if r.status == "refused":
            return Transition("failed", error=r.reason or "refused by the bank")
        return Transition("reversing", error=f"bank debit is {r.status}")
    if o.status == "bank_debited":
        return _settle(o, lambda: p.ledger.credit(f"{no}:credit", order_no=no, student_no=o.student_no,
                                                  amount_fen=o.amount_fen),
                       lambda: p.ledger.query(f"{no}:credit"), lambda: p.ledger.void(f"{no}:credit", order_no=no),
                       "card_credited", "reversing", last, unknown)
    if o.status == "card_credited":
        return Transition("done")
    if o.status == "reversing":
        r = keyed(lambda: p.bank.reverse(f"{no}:reverse", debit_key=f"{no}:debit", order_no=no),
                  lambda: p.bank.query(f"{no}:reverse"), o.attempts)
        if r is None:
            return MANUAL if hopeless else unknown
        if r.applied:
            return Transition("reversed", undone=True)
        if r.status == "voided":
            return Transition("failed", error="bank debit never applied")
        return Transition("manual", error=f"bank reversal is {r.status}")
    raise ValueError(f"no step for a top-up in {o.status}")


def _memo(o: OrderView) -> str:
    """What the card statement says for this payment: the fee's Chinese name (the card system shows it)."""
    kind = BY_CODE.get(o.kind)
    return kind.name if kind else ""


def _payment_step(o: OrderView, p: MoneyPorts, last: bool, hopeless: bool) -> Transition:
    no, unknown = o.order_no, Transition(o.status, retry=True, error=UNKNOWN)
    if o.status == "created":
        return _settle(o, lambda: p.ledger.debit(f"{no}:debit", order_no=no, student_no=o.student_no,
                                                 amount_fen=o.amount_fen, memo=_memo(o)),
                       lambda: p.ledger.query(f"{no}:debit"), lambda: p.ledger.void(f"{no}:debit", order_no=no),
                       "card_debited", "failed", last, unknown, moved=True)
    if o.status == "card_debited":
        return _settle(o, lambda: p.fees.pay(f"{no}:fee", order_no=no, kind=o.kind, target=o.target or "",
                                             amount_fen=o.amount_fen),
                       lambda: p.fees.query(f"{no}:fee"), lambda: p.fees.void(f"{no}:fee", order_no=no),
                       "fee_credited", "refunding", last, unknown)
    if o.status == "fee_credited":
        return Transition("done")
    if o.status == "refunding":
        r = keyed(lambda: p.ledger.credit(f"{no}:refund", order_no=no, student_no=o.student_no,
                                          amount_fen=o.amount_fen, memo=f"{_memo(o)}退款"),
                  lambda: p.ledger.query(f"{no}:refund"), o.attempts)
        if r is None:
            return MANUAL if hopeless else unknown
        if r.applied:
            return Transition("refunded", undone=True, balance_after_fen=r.balance_after_fen)
        return Transition("manual", error=f"card refund is {r.status}")
    raise ValueError(f"no step for a payment in {o.status}")


def _settle(o: OrderView, call: Callable[[], Outcome], query: Callable[[], Outcome], void: Callable[[], Outcome],
            ok: str, unwind: str, last: bool, unknown: Transition, moved: bool = False) -> Transition:
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
