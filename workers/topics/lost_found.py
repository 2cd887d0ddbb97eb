"""Find a lost card (寻找失卡): a finder registers the card, its bound owner hears at once.

The card number names the owner through the card system; a name does so only when exactly one
bound user has it. An owner nobody could name still finds the card by asking "寻卡".
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from events import commands as c
from store.tables import Binding, FoundCard
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.format import mask_card, short_time
from workers.topics.balance import bound_or_explain

_CARD_NO = re.compile(r"^\d{6,20}$")
USAGE = "请这样登记：拾卡 卡号或姓名 存放地点\n例如：拾卡 6100100001 一食堂服务台"


def _owner(turn: Turn, card_no: str | None, name: str | None) -> Binding | None:
    if card_no:
        student_no = turn.ports.card.holder_by_card(card_no)
        if student_no is None:
            return None
        return turn.session.execute(select(Binding).where(Binding.student_no == student_no)).scalar()
    same_name = turn.session.execute(select(Binding).where(Binding.name == name).limit(2)).scalars().all()
    return same_name[0] if len(same_name) == 1 else None


@handles(c.ReportFound)
def report_found(cmd: c.ReportFound, turn: Turn) -> None:
    if not cmd.who or not cmd.place:
        turn.say(USAGE)
        return
    card_no = cmd.who if _CARD_NO.match(cmd.who) else None
    name = None if card_no else cmd.who[:64]
    owner = _owner(turn, card_no, name)
    found = FoundCard(card_no=card_no, holder_name=name if owner is None else owner.name,
                      student_no=owner.student_no if owner else None, place=cmd.place[:200],
                      finder_openid=turn.openid, found_at=turn.now, owner_notified=owner is not None)
    turn.session.add(found)
    if owner is not None and owner.openid != turn.openid:
        what = f"卡号 {mask_card(card_no)}" if card_no else "您的校园卡"
        turn.push(owner.openid, "失卡招领", f"有人捡到了{what}，现存放于：{cmd.place}。请尽快凭有效证件领取。")
    turn.say("感谢您的热心！已登记，失主" + ("已收到通知。" if owner else "可发送“寻卡”查到存放地点。"))


@handles(c.AskLostCard)
def ask_lost_card(cmd: c.AskLostCard, turn: Turn) -> None:
    binding = bound_or_explain(turn)
    if binding is None:
        return
    found = turn.session.execute(
        select(FoundCard)
        .where(FoundCard.status == "waiting",
               or_(FoundCard.student_no == binding.student_no,
                   (FoundCard.student_no.is_(None)) & (FoundCard.holder_name == binding.name)))
        .order_by(FoundCard.found_at.desc()).limit(3)
    ).scalars().all()
    if not found:
        turn.say("暂时没有人登记捡到您的校园卡。如已丢失，请尽快发送“挂失”。")
        return
    lines = [f"{short_time(f.found_at)} 有人捡到，存放于：{f.place}" for f in found]
    turn.say("好消息！\n" + "\n".join(lines) + "\n领取时请带好有效证件。")
