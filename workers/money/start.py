"""One way to start a money order, for all three ways a student starts one: `充值`/`缴费` then `确认`
in the chat, the WeChat Pay page (`pages/topup.py`), and automatic top-up (`workers/alerts/thresholds.py`).

Each used to build its order by hand with its own checks, and the page topped up a lost card. Now
every path is refused for the same reasons, in this order and in the student's words (`Refused`):

1. the function is paused in 功能开关 (`topup` for top-ups, `fees` for payments): the office's message;
2. the user is not bound (`NOT_BOUND`);
3. the card is lost, frozen or cancelled, as the card system says (`card_status`);
4. the amount is not one, or not above 0;
5. it is over the per-transaction limit, or over the per-day limit with today's other orders.

Nothing is written when one applies. Otherwise the order (and, when it starts confirmed, its
outbox entry) is added to the caller's transaction: the caller commits, then wakes the relay.
`确认` runs 1, 3 and 5 again (`confirm`): the card may have been reported lost since the question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from adapters.cardsystem.port import CardHolder
from events.money_kinds import TOPUP, WECHAT_TOPUP, Kind
from store.tables import Binding, MoneyOrder
from workers.money import orders
from workers.money.amounts import BadAmount, Limits, check_limits, parse_fen
from workers.runtime import switches
from workers.runtime.registry import NOT_BOUND
from workers.text.format import STATUS

#: Every refusal before the money moves says so; at `确认` the order asked about is cancelled too.
NOTHING_MOVED = "未发生任何扣款"
CARD_LOST = f"您的校园卡已挂失，挂失期间不能充值或缴费，{NOTHING_MOVED}。找回卡片后发送“解挂”即可恢复。"
CARD_UNUSABLE = "您的校园卡{status}，不能充值或缴费，" + NOTHING_MOVED + "。请联系校园卡服务中心。"

#: The card's status (`normal`, `lost`, `frozen`, `cancelled`) by student number; None: unknown card.
CardStatus = Callable[[str], str | None]


class Refused(Exception):
    """Why the order is not started: `str()` is what the student reads; `reason` is for code and logs
    (paused, not_bound, card_lost, card_frozen, card_cancelled, amount, limit)."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        self.reason, self.text = reason, text

    def cancelled(self) -> str:
        """The words at `确认`, where the order asked about is cancelled by the refusal."""
        return self.text.replace(NOTHING_MOVED, f"订单已取消，{NOTHING_MOVED}")


class FindsHolders(Protocol):
    """The one call of the card system's port (`CardSystem`) a start needs."""

    def find_holder(self, student_no: str) -> CardHolder | None: ...


def asking(card: FindsHolders) -> CardStatus:
    """The card's status as the card system reports it now (its `find_holder`)."""
    def status(student_no: str) -> str | None:
        holder = card.find_holder(student_no)
        return None if holder is None else holder.status
    return status


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The order starts confirmed, with its outbox entry: the page's payment (the student confirms it in
    WeChat Pay) or an automatic top-up (agreed in advance, SMS-verified)."""

    #: An unpaid WeChat Pay order is closed then; others are past confirmation at once.
    expires_at: datetime
    #: When the relay first looks at it (the page's: after the student had time to pay).
    first_step_at: datetime
    #: The event whose replies the receipt follows, and until when it may be sent as one.
    event_id: int | None = None
    reply_deadline: datetime | None = None


def feature(kind: str) -> str:
    """The 功能开关 a kind of order belongs to: the top-ups' or the payments'."""
    return "topup" if kind in (TOPUP.code, WECHAT_TOPUP.code) else "fees"


def start(session: Session, card_status: CardStatus, *, openid: str, kind: Kind, amount: str | int, limits: Limits,
          now: datetime, target: str | None = None, confirmed: Confirmed | None = None,
          paused: Mapping[str, str] | None = None) -> MoneyOrder:
    """The new order of `openid` for `amount` (text as typed, or fen), or `Refused` (nothing written).
    `paused`: the paused functions where the caller read them already (a turn's); else read here.

    Without `confirmed` it awaits `确认` for `limits.confirm_seconds` (an earlier unconfirmed one of
    the user is cancelled: one at a time); with it, it starts `created` with its outbox entry.
    """
    _paused(session, kind.code, paused)
    binding = session.get(Binding, openid)
    if binding is None:
        raise Refused("not_bound", NOT_BOUND)
    _card(card_status, binding.student_no)
    fen = _fen(amount)
    _limits(session, binding.student_no, fen, limits, now)
    if confirmed is None:
        return orders.ask(session, openid=openid, student_no=binding.student_no, kind=kind.code, target=target,
                          amount_fen=fen, now=now, confirm_seconds=limits.confirm_seconds)
    return orders.place(session, openid=openid, student_no=binding.student_no, kind=kind.code, target=target,
                        amount_fen=fen, now=now, expires_at=confirmed.expires_at,
                        first_step_at=confirmed.first_step_at, event_id=confirmed.event_id,
                        reply_deadline=confirmed.reply_deadline)


def confirm(session: Session, card_status: CardStatus, order: MoneyOrder, limits: Limits, *, event_id: int,
            reply_deadline: datetime, now: datetime, paused: Mapping[str, str] | None = None) -> bool:
    """`确认`: the refusals that may have changed since the question (paused, the card, the limits with
    today's other orders), then the order becomes `created` with its outbox entry.

    A refusal cancels the order and raises `Refused` (say `.cancelled()`); False: nothing awaited.
    """
    try:
        _paused(session, order.kind, paused)
        _card(card_status, order.student_no)
        _limits(session, order.student_no, order.amount_fen, limits, now, exclude=order.id)
    except Refused:
        orders.cancel(session, order, now)
        raise
    return orders.confirm(session, order, event_id=event_id, reply_deadline=reply_deadline, now=now)


def _paused(session: Session, kind: str, paused: Mapping[str, str] | None) -> None:
    message = (switches.read_paused(session) if paused is None else paused).get(feature(kind))
    if message is not None:
        raise Refused("paused", message)


def _card(card_status: CardStatus, student_no: str) -> None:
    """A lost card is refused both ways, deliberately (README "Money"): payments from it are refused by
    the card system, and a top-up onto a card someone else may hold, usually replaced (补卡) soon,
    would only move money the office then has to move again. 解挂 takes a minute if it turns up."""
    status = card_status(student_no)
    if status is None or status == "normal":
        return
    if status == "lost":
        raise Refused("card_lost", CARD_LOST)
    raise Refused(f"card_{status}", CARD_UNUSABLE.format(status=STATUS.get(status, "状态异常")))


def _fen(amount: str | int) -> int:
    try:
        fen = parse_fen(amount) if isinstance(amount, str) else amount
        if fen <= 0:
            raise BadAmount("金额必须大于 0。")
    except BadAmount as exc:
        raise Refused("amount", f"{exc} {NOTHING_MOVED}。") from exc
    return fen


def _limits(session: Session, student_no: str, fen: int, limits: Limits, now: datetime,
            exclude: int | None = None) -> None:
    try:
        check_limits(fen, orders.spent_today(session, student_no, now, exclude=exclude), limits)
    except BadAmount as exc:
        raise Refused("limit", f"{exc} {NOTHING_MOVED}。") from exc
