"""Card services that change the card (bind topic): report lost, unfreeze, change the bound phone.

Unfreezing and a new phone are proven with an SMS code, like binding; the six-digit reply reaches
`finish_unfreeze` or `finish_phone` through `workers/topics/code_replies.py`. A new phone's code goes
to the new number, the old number is told by SMS once it changed, and a number another holder has
bound is refused.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from events import commands as c
from events.notices import Field, Notice, NoticeKind
from store.tables import Binding, BindingLog, SmsChallenge
from workers.runtime.registry import handles_bound
from workers.runtime.turn import Turn
from workers.text.format import local_time, mask_card, mask_phone
from workers.verification import codes

UNFREEZE = "unfreeze"
PHONE = "phone"
_PHONE = re.compile(r"^1\d{10}$")
PHONE_TAKEN = "该手机号已绑定其他持卡人，不能使用。请换一个号码，或联系校园卡服务中心。"


@handles_bound(c.ReportLost)
def report_lost(cmd: c.ReportLost, turn: Turn, binding: Binding) -> None:
    holder = turn.ports.card.find_holder(binding.student_no)
    if holder is not None and holder.status == "lost":
        turn.say("您的校园卡已是挂失状态。找回后发送“解挂”解除挂失。")
        return
    if not cmd.confirmed:
        turn.say("挂失后校园卡将立即停止消费，找回后可发送“解挂”恢复。\n确认挂失请回复：确认挂失")
        return
    turn.ports.card.freeze(binding.student_no, reason="reported lost by the holder in WeChat")
    turn.session.add(BindingLog(openid=turn.openid, student_no=binding.student_no, action="lost",
                                reason="reported lost in WeChat", at=turn.now))
    card_no = mask_card(holder.card_no) if holder else ""
    turn.notify(turn.openid, card_status(
        f"挂失成功，校园卡 {card_no} 已停止使用。\n找回后发送“解挂”恢复；发送“寻卡”查看是否有人捡到。",
        "已挂失", card_no, turn.now, "找回后发送解挂恢复使用"))


def card_status(text: str, status: str, card_no: str, at: datetime, remark: str) -> Notice:
    """A loss report or its lifting: it must reach the holder, even once the turn's grant is spent."""
    return Notice(NoticeKind.CARD_STATUS, text,
                  {Field.STATUS: status, Field.CARD_NO: card_no, Field.TIME: at, Field.REASON: remark})


def send_code(turn: Turn, binding: Binding, phone: str, purpose: str, what: str) -> None:
    """An SMS code proving the holder asked for `what`; `code_replies` hands the reply to its dialogue."""
    wait = codes.seconds_until_resend(turn.session, turn.openid, turn.now, purpose)
    if wait:
        turn.say(f"验证码发送太频繁，请 {wait} 秒后再试。")
        return
    issued = codes.issue(turn.session, secret_key=turn.ports.secret_key, openid=turn.openid, purpose=purpose,
                             student_no=binding.student_no, phone=phone, now=turn.now)
    turn.sms(phone, f"您正在{what}，验证码 {issued.code}，5分钟内有效。如非本人操作请忽略。")
    turn.say(f"验证码已发送至 {mask_phone(phone)}，请在 5 分钟内直接回复 6 位验证码以{what}。")


@handles_bound(c.StartUnfreeze)
def start_unfreeze(cmd: c.StartUnfreeze, turn: Turn, binding: Binding) -> None:
    holder = turn.ports.card.find_holder(binding.student_no)
    if holder is None or holder.status != "lost":
        turn.say("您的校园卡没有挂失，无需解挂。")
        return
    send_code(turn, binding, binding.phone, UNFREEZE, "解除校园卡挂失")


@handles_bound(c.ChangePhone)
def change_phone(cmd: c.ChangePhone, turn: Turn, binding: Binding) -> None:
    if not _PHONE.match(cmd.phone):
        turn.say("请发送“绑定手机 新手机号”，例如：绑定手机 13912345678")
        return
    if cmd.phone == binding.phone:
        turn.say("这就是您当前绑定的手机号。")
        return
    if _phone_taken(turn, binding, cmd.phone):
        turn.say(PHONE_TAKEN)
        return
    send_code(turn, binding, cmd.phone, PHONE, "更换绑定手机")


def _phone_taken(turn: Turn, binding: Binding, phone: str) -> bool:
    """The number is bound to another card holder: one phone proves one holder, never two."""
    return turn.session.execute(select(Binding.openid).where(
        Binding.phone == phone, Binding.student_no != binding.student_no).limit(1)).first() is not None


def finish_unfreeze(turn: Turn, binding: Binding, challenge: SmsChallenge) -> None:
    """The right code for 解挂: the card works again."""
    turn.ports.card.unfreeze(binding.student_no)
    turn.session.add(BindingLog(openid=turn.openid, student_no=binding.student_no, action="found",
                                reason="loss report lifted after SMS verification", at=turn.now))
    holder = turn.ports.card.find_holder(binding.student_no)
    turn.notify(turn.openid, card_status("解挂成功，校园卡已恢复使用。", "已解挂",
                                         mask_card(holder.card_no) if holder else "", turn.now, "校园卡已恢复使用"))


def finish_phone(turn: Turn, binding: Binding, challenge: SmsChallenge) -> None:
    """The right code, sent to the new number, for 绑定手机: the card and the binding move to it."""
    phone = challenge.phone
    if _phone_taken(turn, binding, phone):  # bound by someone else while the code was on its way
        turn.say(PHONE_TAKEN)
        return
    old = binding.phone
    turn.ports.card.set_phone(binding.student_no, phone)
    binding.phone = phone
    # The old number hears of it: if this was not the holder, they learn at once and can call the office.
    turn.sms(old, f"您的校园卡绑定手机已于 {local_time(turn.now)} 更换为 {mask_phone(phone)}。"
                  "如非本人操作，请立即联系校园卡服务中心。")
    turn.session.add(BindingLog(openid=turn.openid, student_no=binding.student_no, action="phone",
                                reason="bound phone changed after SMS verification", at=turn.now))
    turn.say(f"绑定手机已更换为 {mask_phone(phone)}。")
