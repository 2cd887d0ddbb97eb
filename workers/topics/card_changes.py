"""Card services that change the card (bind topic): report lost, unfreeze, change the bound phone.

Unfreezing and a new phone are proven with an SMS code, like binding; the six-digit reply goes
to `verify_code`, which finishes whichever of them is pending for the user. A new phone's code goes
to the new number, the old number is told by SMS once it changed, and a number another holder has
bound is refused.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from events import commands as c
from store.tables import Binding, BindingLog, SmsChallenge
from workers.alerts import choices
from workers.runtime.registry import handles, handles_bound
from workers.runtime.turn import Turn
from workers.text.format import local_time, mask_card, mask_phone
from workers.topics import bind
from workers.verification import codes

UNFREEZE = "unfreeze"
PHONE = "phone"
#: Automatic top-up (自动充值) is switched on by the holder's SMS code the first time.
AUTOTOPUP = "autotopup"
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
    turn.say(f"挂失成功，校园卡 {card_no} 已停止使用。\n找回后发送“解挂”恢复；发送“寻卡”查看是否有人捡到。")


def _seconds_until_resend(turn: Turn, purpose: str) -> int:
    """Like `codes.seconds_until_resend`, per purpose: a bind code just sent does not delay an unfreeze."""
    last = turn.session.execute(
        select(SmsChallenge.created_at).where(SmsChallenge.openid == turn.openid, SmsChallenge.purpose == purpose)
        .order_by(SmsChallenge.created_at.desc()).limit(1)).scalar()
    if last is None or turn.now - last >= codes.RESEND_INTERVAL:
        return 0
    return max(1, int((codes.RESEND_INTERVAL - (turn.now - last)).total_seconds()) + 1)


def send_code(turn: Turn, binding: Binding, phone: str, purpose: str, what: str) -> None:
    """An SMS code proving the holder asked for `what`; the six-digit reply goes to `verify_code`."""
    wait = _seconds_until_resend(turn, purpose)
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


def _finish_unfreeze(turn: Turn, binding: Binding) -> None:
    turn.ports.card.unfreeze(binding.student_no)
    turn.session.add(BindingLog(openid=turn.openid, student_no=binding.student_no, action="found",
                                reason="loss report lifted after SMS verification", at=turn.now))
    turn.say("解挂成功，校园卡已恢复使用。")


def _finish_phone(turn: Turn, binding: Binding, phone: str) -> None:
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


@handles(c.VerifyCode)
def verify_code(cmd: c.VerifyCode, turn: Turn) -> None:
    """A six-digit reply: finish the unfreeze or phone change pending for this user, else binding."""
    challenge = None
    for purpose in (UNFREEZE, PHONE, AUTOTOPUP):
        challenge = codes.pending(turn.session, turn.openid, purpose, turn.now)
        if challenge is not None:
            break
    if challenge is None:
        bind.verify_code(cmd, turn)
        return
    binding = turn.session.get(Binding, turn.openid)
    if binding is None or binding.student_no != challenge.student_no:
        challenge.status = "void"
        turn.say("绑定信息已变更，请重新操作。")
        return
    if not codes.check(challenge, turn.ports.secret_key, cmd.code):
        left = codes.MAX_ATTEMPTS - challenge.attempts
        turn.say("验证码错误次数过多，已作废，请重新操作。" if left <= 0 else f"验证码不正确，还可以再试 {left} 次。")
        return
    if challenge.purpose == UNFREEZE:
        _finish_unfreeze(turn, binding)
    elif challenge.purpose == AUTOTOPUP:
        turn.say(choices.confirm_topup(turn.session, turn.openid, turn.now))
    else:
        _finish_phone(turn, binding, challenge.phone)
