"""Find a lost card (寻找失卡): a finder registers the card, its bound owner hears at once.

The finder may name the card by the student number or the card number printed on it (the card
system says whose it is) or by the name (only when exactly one bound user has it). The owner is
pushed at once whenever we know them and they are bound; the finder is told plainly whether the
owner was reached. An owner nobody could reach still finds the card by asking "寻卡".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from events import commands as c
from events.notices import Field, Notice, NoticeKind
from store.tables import Binding, FoundCard
from workers.runtime.registry import handles, handles_bound
from workers.runtime.turn import Turn
from workers.text.format import mask_card, short_time

_NUMBER = re.compile(r"^[0-9A-Za-z]{4,20}$")
USAGE = "请这样登记：拾卡 学号、卡号或姓名 存放地点\n例如：拾卡 6100100001 一食堂服务台"
THANKS = "感谢您的热心！已登记。"


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose card it is, as far as we can tell; `card_no` when the finder typed the card number."""

    student_no: str | None = None
    name: str | None = None
    binding: Binding | None = None
    card_no: str | None = None


def _owner(turn: Turn, who: str) -> Owner:
    if _NUMBER.match(who):
        holder = turn.ports.card.find_holder(who.upper())  # a student number
        card_no = None
        if holder is None and (by_card := turn.ports.card.holder_by_card(who)) is not None:
            holder, card_no = turn.ports.card.find_holder(by_card), who
        if holder is not None:
            binding = turn.session.execute(select(Binding).where(Binding.student_no == holder.student_no)).scalar()
            return Owner(holder.student_no, holder.name, binding, card_no)
        if who.isdigit():
            return Owner(card_no=who[:20])  # kept as typed: the office may still match it
    same_name = turn.session.execute(select(Binding).where(Binding.name == who[:64]).limit(2)).scalars().all()
    if len(same_name) == 1:
        return Owner(same_name[0].student_no, same_name[0].name, same_name[0])
    return Owner(name=who[:64])


@handles(c.ReportFound)
def report_found(cmd: c.ReportFound, turn: Turn) -> None:
    if not cmd.who or not cmd.place:
        turn.say(USAGE)
        return
    owner = _owner(turn, cmd.who)
    binding = owner.binding
    reached = binding is not None and binding.openid != turn.openid
    turn.session.add(FoundCard(card_no=owner.card_no, holder_name=owner.name, student_no=owner.student_no,
                               place=cmd.place[:200], finder_openid=turn.openid, found_at=turn.now,
                               owner_notified=reached))
    if binding is not None and binding.openid == turn.openid:
        turn.say(f"这是您自己的校园卡，已登记存放地点：{cmd.place}。如已挂失，取回后可发送“解挂”。")
        return
    if binding is not None:
        what = f"卡号 {mask_card(owner.card_no)} 的校园卡" if owner.card_no else "您的校园卡"
        turn.notify(binding.openid, Notice(
            NoticeKind.LOST_FOUND, f"【失卡招领】\n有人捡到了{what}，现存放于：{cmd.place}。请尽快凭有效证件领取。",
            {Field.ITEM: "校园卡", Field.PLACE: cmd.place, Field.TIME: turn.now, Field.CARD_NO: owner.card_no or "",
             Field.REASON: "请尽快凭有效证件领取"}))
        turn.say(THANKS + "失主已绑定本公众号，我们已通知失主。")
    elif owner.student_no is not None:
        turn.say(THANKS + "失主尚未绑定本公众号，我们无法直接通知；失主发送“寻卡”可查到存放地点，"
                 "也可将卡交到校园卡服务中心。")
    else:
        turn.say(THANKS + "暂时无法确定失主，未能通知；失主发送“寻卡”可查到存放地点。")


@handles_bound(c.AskLostCard)
def ask_lost_card(cmd: c.AskLostCard, turn: Turn, binding: Binding) -> None:
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
