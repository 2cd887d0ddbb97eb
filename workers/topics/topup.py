"""The topup topic: ask for a top-up or fee payment, confirm it, cancel it.

The handlers move no money: a confirmation writes the order and its outbox entry in the turn's one
transaction, and the relay (workers/money/relay.py) moves the money afterwards, step by step.
"""

from __future__ import annotations

from events import commands as c
from events.money_kinds import BY_CODE, TOPUP, Kind
from store.tables import Binding
from workers.money import orders
from workers.money.amounts import BadAmount, check_limits, parse_fen
from workers.runtime import switches
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.format import STATUS, yuan
from workers.topics.balance import bound_or_explain
from workers.money.fees_due import offer

NOTHING_TO_CONFIRM = "没有待确认的充值或缴费（确认须在发起后 {minutes} 分钟内完成）。请重新发起，例如：充值 50"


@handles(c.StartTopup)
def start_topup(cmd: c.StartTopup, turn: Turn) -> None:
    binding = bound_or_explain(turn)
    if binding is None:
        return
    if not cmd.amount:
        turn.say(f"请发送“充值 金额”，例如：充值 50。{TOPUP.usage}")
        return
    _ask(turn, TOPUP, binding, binding.student_no, cmd.amount)


@handles(c.StartPayment)
def start_payment(cmd: c.StartPayment, turn: Turn) -> None:
    binding = bound_or_explain(turn)
    if binding is None:
        return
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
    _ask(turn, kind, binding, target, amount)


def card_refuses_money(turn: Turn, student_no: str) -> str | None:
    """Why a card takes no top-up or payment from WeChat now (lost, frozen, cancelled), or None.

    A lost card is refused both ways, deliberately (README "Money"): payments from it are refused
    by the card system, and a top-up onto a card someone else may hold, usually replaced (补卡) soon,
    would only move money the office then has to move again. 解挂 takes a minute if it turns up.
    """
    holder = turn.ports.card.find_holder(student_no)
    if holder is None or holder.status == "normal":
        return None
    if holder.status == "lost":
        return "您的校园卡已挂失，挂失期间不能充值或缴费，未发生任何扣款。找回卡片后发送“解挂”即可恢复。"
    return f"您的校园卡{STATUS.get(holder.status, '状态异常')}，不能充值或缴费，未发生任何扣款。请联系校园卡服务中心。"


def _ask_what_is_due(turn: Turn, kind: Kind, binding: Binding, args: str) -> None:
    """Fines, exam and photo fees: the fee system says what is due; only that is offered."""
    if turn.ports.fees is None:
        turn.say(f"{kind.name}暂时无法查询，请稍后再试。")
        return
    proposal = offer(kind, turn.ports.fees.due(kind.code, binding.student_no), args)
    if isinstance(proposal, str):
        turn.say(proposal)
        return
    _ask(turn, kind, binding, proposal.target, yuan(proposal.amount_fen), head=proposal.head)


def _ask(turn: Turn, kind: Kind, binding: Binding, target: str, amount_text: str, *, head: str = "") -> None:
    limits = turn.ports.limits
    if refused := card_refuses_money(turn, binding.student_no):
        turn.say(refused)
        return
    try:
        fen = parse_fen(amount_text)
        check_limits(fen, orders.spent_today(turn.session, binding.student_no, turn.now), limits)
    except BadAmount as exc:
        turn.say(f"{exc} 未发生任何扣款。")
        return
    order = orders.ask(turn.session, openid=turn.openid, student_no=binding.student_no, kind=kind.code,
                       target=target if kind.code != "topup" else None, amount_fen=fen, now=turn.now,
                       confirm_seconds=limits.confirm_seconds)
    what = f"从绑定的银行卡圈存 {yuan(fen)} 元到校园卡" if kind.code == "topup" else (
        f"用校园卡余额缴纳{kind.name} {yuan(fen)} 元" + (f"（{target}）" if kind.target_pattern else ""))
    turn.say((f"{head}\n" if head else "") +
             f"请确认：{what}。回复“确认”完成，回复“取消”放弃（{limits.confirm_seconds // 60} 分钟内有效，"
             f"订单号 {order.order_no}）。")


@handles(c.ConfirmOrder)
def confirm(cmd: c.ConfirmOrder, turn: Turn) -> None:
    binding = bound_or_explain(turn)
    if binding is None:
        return
    order = orders.awaiting(turn.session, turn.openid, turn.now)
    if order is None:
        turn.say(NOTHING_TO_CONFIRM.format(minutes=turn.ports.limits.confirm_seconds // 60))
        return
    paused = switches.paused_message(turn.session, "topup" if order.kind == "topup" else "fees")
    if paused is not None:
        orders.cancel(turn.session, order, turn.now)
        turn.say(paused)
        return
    if refused := card_refuses_money(turn, order.student_no):  # reported lost since the question
        orders.cancel(turn.session, order, turn.now)
        turn.say(refused.replace("未发生任何扣款", "订单已取消，未发生任何扣款"))
        return
    try:  # the limits again: other orders may have been confirmed since the question
        check_limits(order.amount_fen, orders.spent_today(turn.session, order.student_no, turn.now, exclude=order.id),
                     turn.ports.limits)
    except BadAmount as exc:
        orders.cancel(turn.session, order, turn.now)
        turn.say(f"{exc} 订单已取消，未发生任何扣款。")
        return
    if not orders.confirm(turn.session, order, event_id=turn.event_id, reply_deadline=turn.reply_deadline,
                          now=turn.now):
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
