"""A six-digit reply: the dialogue that asked for the code finishes, if its function is not paused.

Four dialogues send an SMS code — 绑定, 解挂, 绑定手机 and 自动充值 — and each code remembers which
one asked (`SmsChallenge.purpose`). The route of a six-digit text carries no feature switch of its
own: pausing 绑定 must not block the code of 解挂, nor may a paused 解挂 still accept its code. So the
switch is checked here, once the pending code says whose it is. `ASKED_BY` is the one table of who
asks for a code, which switch pauses it, and what its right code does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from events import commands as c
from store.tables import Binding, SmsChallenge
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.topics import alert_settings, bind, card_changes
from workers.verification import codes

Finish = Callable[[Turn, SmsChallenge], None]
NOTHING_PENDING = ("没有待验证的请求，或验证码已过期。请重新发送需要验证的操作，"
                   "例如“绑定 学号”“解挂”或“绑定手机 新手机号”，获取新的验证码。")
BINDING_CHANGED = "绑定信息已变更，请重新操作。"


@dataclass(frozen=True, slots=True)
class AskedCode:
    """A dialogue that asks for an SMS code."""

    #: The back-office switch (`events.routing.FEATURE_LABELS`) that pauses it, its code included.
    feature: str
    #: What the right code does.
    finish: Finish
    #: How the user asks again, once five wrong tries voided the code.
    again: str


def for_the_holder(finish: Callable[[Turn, Binding, SmsChallenge], None]) -> Finish:
    """A code a bound holder asked for about their card: void once the user no longer holds that card."""

    def finish_for_the_holder(turn: Turn, challenge: SmsChallenge) -> None:
        binding = turn.session.get(Binding, turn.openid)
        if binding is None or binding.student_no != challenge.student_no:
            challenge.status = "void"
            turn.say(BINDING_CHANGED)
            return
        finish(turn, binding, challenge)

    return finish_for_the_holder


#: Purpose of the code -> the dialogue that asked for it.
ASKED_BY: dict[str, AskedCode] = {
    bind.BIND: AskedCode("bind", bind.finish, "发送“绑定 学号”"),
    card_changes.UNFREEZE: AskedCode("lost", for_the_holder(card_changes.finish_unfreeze), "发送“解挂”"),
    card_changes.PHONE: AskedCode("phone", for_the_holder(card_changes.finish_phone), "发送“绑定手机 新手机号”"),
    alert_settings.AUTOTOPUP: AskedCode("alerts", for_the_holder(alert_settings.finish_auto_topup),
                                        "发送“自动充值 50 低于 20”"),
}


@handles(c.VerifyCode)
def verify_code(cmd: c.VerifyCode, turn: Turn) -> None:
    """The user's pending code decides which dialogue this reply answers; a paused one answers nothing more."""
    challenge = codes.pending(turn.session, turn.openid, turn.now)
    if challenge is None:
        turn.say(NOTHING_PENDING)
        return
    asked = ASKED_BY[challenge.purpose]
    paused = turn.paused.get(asked.feature)
    if paused is not None:
        turn.say(paused)  # the code stays pending: it still works if the function resumes within 5 minutes
        return
    if not codes.check(challenge, turn.ports.secret_key, cmd.code):
        left = codes.MAX_ATTEMPTS - challenge.attempts
        turn.say(f"验证码错误次数过多，该验证码已作废。请稍后{asked.again}重新获取。" if left <= 0
                 else f"验证码不正确，还可以再试 {left} 次。")
        return
    asked.finish(turn, challenge)
