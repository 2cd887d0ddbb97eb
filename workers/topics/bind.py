"""The bind topic: bind a card with an SMS code, and unbind it.

`start_bind` sends the code; the six-digit reply reaches `finish` through `workers/topics/code_replies.py`.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from events import commands as c
from store.tables import Binding, BindingLog, SmsChallenge
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.format import mask_phone
from workers.verification import codes

BIND = "bind"


@handles(c.StartBind)
def start_bind(cmd: c.StartBind, turn: Turn) -> None:
    current = turn.session.get(Binding, turn.openid)
    if current is not None:
        turn.say(f"您已绑定校园卡（{current.name}）。如需更换，请先发送“解绑”。")
        return
    wait = codes.seconds_until_resend(turn.session, turn.openid, turn.now)
    if wait:
        turn.say(f"验证码发送太频繁，请 {wait} 秒后再试。")
        return
    if codes.daily_cap_reached(turn.session, turn.openid, turn.now):
        turn.say("今天获取验证码的次数已达上限，请明天再试。")
        return
    holder = turn.ports.card.find_holder(cmd.student_no)
    if holder is None:
        turn.say(f"未找到学号/工号 {cmd.student_no} 对应的校园卡，请核对后重新发送“绑定 学号”。")
        return
    if not holder.phone:
        turn.say("该校园卡没有登记手机号，无法短信验证，请到校园卡服务中心登记。")
        return
    issued = codes.issue(turn.session, secret_key=turn.ports.secret_key, openid=turn.openid, purpose=BIND,
                             student_no=holder.student_no, phone=holder.phone, now=turn.now)
    turn.sms(holder.phone, f"您正在绑定微信校园卡，验证码 {issued.code}，5分钟内有效。如非本人操作请忽略。")
    turn.say(f"验证码已发送至 {mask_phone(holder.phone)}，请在 5 分钟内直接回复 6 位验证码。")


def finish(turn: Turn, challenge: SmsChallenge) -> None:
    """The right code for a bind request (`code_replies`): the user now holds the card it named."""
    holder = turn.ports.card.find_holder(challenge.student_no)
    if holder is None:
        turn.say("校园卡信息已变更，请重新发送“绑定 学号”。")
        return
    # The SMS proved ownership of the card: a binding held by another WeChat user moves here.
    previous = turn.session.execute(select(Binding).where(Binding.student_no == holder.student_no)).scalar()
    if previous is not None:
        turn.session.add(BindingLog(openid=previous.openid, student_no=previous.student_no, action="unbound",
                                    reason="rebound by another WeChat user after SMS verification", at=turn.now))
        turn.session.delete(previous)
        turn.session.flush()
    turn.session.add(Binding(openid=turn.openid, student_no=holder.student_no, name=holder.name,
                             phone=holder.phone, bound_at=turn.now))
    turn.session.add(BindingLog(openid=turn.openid, student_no=holder.student_no, action="bound", at=turn.now))
    turn.say(f"绑定成功！{holder.name}，欢迎使用微信校园卡。发送“余额”查询余额，发送“帮助”查看全部功能。")


@handles(c.Unbind)
def unbind(cmd: c.Unbind, turn: Turn) -> None:
    current = turn.session.get(Binding, turn.openid)
    if current is None:
        turn.say("您还没有绑定校园卡。")
        return
    turn.session.execute(delete(Binding).where(Binding.openid == turn.openid))
    turn.session.add(BindingLog(openid=turn.openid, student_no=current.student_no, action="unbound",
                                reason="by the user", at=turn.now))
    turn.say("已解除绑定。如需再次使用，请发送“绑定 学号”。")
