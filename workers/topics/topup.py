"""The topup topic: ask for a top-up or fee payment, confirm it, cancel it.

The handlers move no money: `workers.money.start` refuses or writes the order (and at `确认` its
outbox entry) in the turn's one transaction, with the refusals the page and automatic top-up get
too, and the relay (workers/money/relay.py) moves the money afterwards, step by step.
"""

from __future__ import annotations

from events import commands as c
from events.money_kinds import BY_CODE, TOPUP, Kind
from store.tables import Binding
from workers.money import orders
from workers.money import start as money
from workers.money.fees_due import offer
from workers.runtime.registry import handles, handles_bound
from workers.runtime.turn import Turn
from workers.text.format import yuan

NOTHING_TO_CONFIRM = "没有待确认的充值或缴费（确认须在发起后 {minutes} 分钟内完成）。请重新发起，例如：充值 50"


@handles_bound(c.StartTopup)
def start_topup(cmd: c.StartTopup, turn: Turn, binding: Binding) -> None:
    if not cmd.amount:
        turn.say(f"请发送“充值 金额”，例如：充值 50。{TOPUP.usage}")
        return
    _ask(turn, TOPUP, binding.student_no, cmd.amount)


@handles_bound(c.StartPayment)
def start_payment(cmd: c.StartPayment, turn: Turn, binding: Binding) -> None:
    kind = BY_CODE[cmd.kind]
    if kind.set_by_school:
        _ask_what_is_due(turn, kind, binding, cmd.args)
        return
    if not cmd.args:
        turn.say(f"格式：{kind.usage}")
        return
    try:
        target, amount = kind.split(cmd.args, binding.student_no)
    except ValueError as exc:
        turn.say(str(exc))
        return
    _ask(turn, kind, target, amount)


def _ask_what_is_due(turn: Turn, kind: Kind, binding: Binding, args: str) -> None:
    """Fines, exam and photo fees: the fee system says what is due; only that is offered."""
    if turn.ports.fees is None:
        turn.say(f"{kind.name}暂时无法查询，请稍后再试。")
        return
    proposal = offer(kind, turn.ports.fees.due(kind.code, binding.student_no), args)
    if isinstance(proposal, str):
        turn.say(proposal)
        return
    _ask(turn, kind, proposal.target, proposal.amount_fen, head=proposal.head)


def _ask(turn: Turn, kind: Kind, target: str, amount_text: str | int, *, head: str = "") -> None:
    limits = turn.ports.limits
    try:
        order = money.start(turn.session, money.asking(turn.ports.card), openid=turn.openid, kind=kind,
                            amount=amount_text, limits=limits, now=turn.now,
                            target=target if kind.code != TOPUP.code else None, paused=turn.paused)
    except money.Refused as refused:
        turn.say(str(refused))
        return
    fen = order.amount_fen
    what = f"从绑定的银行卡圈存 {yuan(fen)} 元到校园卡" if kind.code == TOPUP.code else (
        f"用校园卡余额缴纳{kind.name} {yuan(fen)} 元" + (f"（{target}）" if kind.target_pattern else ""))
    turn.say((f"{head}\n" if head else "") +
             f"请确认：{what}。回复“确认”完成，回复“取消”放弃（{limits.confirm_seconds // 60} 分钟内有效，"
             f"订单号 {order.order_no}）。")


@handles_bound(c.ConfirmOrder)
def confirm(cmd: c.ConfirmOrder, turn: Turn, binding: Binding) -> None:
    order = orders.awaiting(turn.session, turn.openid, turn.now)
    if order is None:
        turn.say(NOTHING_TO_CONFIRM.format(minutes=turn.ports.limits.confirm_seconds // 60))
        return
    try:  # paused, reported lost or over the limits since the question: the order is cancelled
        confirmed = money.confirm(turn.session, money.asking(turn.ports.card), order, turn.ports.limits,
                                  event_id=turn.event_id, reply_deadline=turn.reply_deadline, now=turn.now,
                                  paused=turn.paused)
    except money.Refused as refused:
        turn.say(refused.cancelled())
        return
    if not confirmed:
        turn.say(NOTHING_TO_CONFIRM.format(minutes=turn.ports.limits.confirm_seconds // 60))
        return
    turn.say(f"已受理，正在处理（订单号 {order.order_no}），结果稍后通知您。")
    wake = turn.ports.wake_relay
    if wake is not None:
        turn.after_commit.append(lambda: wake(order.id))


@handles(c.CancelOrder)
def cancel(cmd: c.CancelOrder, turn: Turn) -> None:
    order = orders.awaiting(turn.session, turn.openid, turn.now)
    if order is None:
        turn.say("没有待确认的订单。")
        return
    orders.cancel(turn.session, order, turn.now)
    turn.say(f"已取消订单 {order.order_no}，未发生任何扣款。")
