"""Repair (报修): a user reports a broken card reader, turnstile or top-up machine; the office answers.

One line is enough (`报修 类别 地点 描述`): no dialogue state to lose between messages. The
back-office calls `reply_to_ticket` and `change_ticket_status`; each pushes the news to the user.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import commands as c
from events.campus_time import SHANGHAI
from events.notices import Field, Notice, NoticeKind
from store.db import retry_locked
from store.tables import RepairTicket, RepairTicketEntry
from store.uow import UowFactory
from workers.delivery.push import Pusher
from workers.runtime.registry import handles
from workers.runtime.turn import Turn
from workers.text.format import short_time

log = logging.getLogger("onecard.repair")

CATEGORIES = {
    "读卡器": ("读卡器", "刷卡机", "pos", "pos机", "消费机"),
    "闸机门禁": ("闸机", "门禁", "道闸", "门禁机"),
    "充值机": ("充值机", "圈存机", "自助机", "自助充值机"),
    "水控": ("水控", "热水", "淋浴", "水表"),
}
STATUS = {"open": "已受理", "in_progress": "处理中", "resolved": "已修复", "closed": "已关闭"}
USAGE = ("报修请一行发送：报修 类别 地点 描述\n例如：报修 读卡器 一食堂二楼3号窗口 刷卡没反应\n"
         "类别：读卡器、闸机门禁、充值机、水控、其他")


def category(word: str) -> str:
    lowered = word.lower()
    for name, synonyms in CATEGORIES.items():
        if lowered == name or lowered in synonyms:
            return name
    return "其他"


@handles(c.FileRepair)
def file_repair(cmd: c.FileRepair, turn: Turn) -> None:
    if not (cmd.category and cmd.location and cmd.description):
        turn.say(USAGE)
        return
    kind = category(cmd.category)
    description = cmd.description if kind != "其他" else f"{cmd.category} {cmd.description}"
    ticket = RepairTicket(ticket_no=uuid.uuid4().hex[:16], openid=turn.openid, category=kind,
                          location=cmd.location[:200], description=description[:1000], status="open",
                          created_at=turn.now, updated_at=turn.now)
    turn.session.add(ticket)
    turn.session.flush()
    ticket.ticket_no = f"BX{turn.now.astimezone(SHANGHAI):%y%m%d}{ticket.id:05d}"
    turn.say(f"报修已受理，单号 {ticket.ticket_no}。\n{kind} @{ticket.location}\n"
             "处理进展会推送给您，也可发送“我的报修”查看。")


@handles(c.MyRepairs)
def my_repairs(cmd: c.MyRepairs, turn: Turn) -> None:
    tickets = turn.session.execute(
        select(RepairTicket).where(RepairTicket.openid == turn.openid)
        .order_by(RepairTicket.created_at.desc()).limit(5)
    ).scalars().all()
    if not tickets:
        turn.say("您还没有报修记录。" + USAGE.split("\n", 1)[0])
        return
    lines = []
    for t in tickets:
        status = STATUS.get(t.status, t.status)
        line = f"{t.ticket_no} {t.category} @{t.location}：{status}（{short_time(t.updated_at)}）"
        lines.append(line + (f"\n  回复：{t.reply}" if t.reply else ""))
    turn.say("我的报修：\n" + "\n".join(lines))


def _notify(uow_factory: UowFactory, pusher: Pusher, ticket_id: int, change: str,
            apply: dict[str, str], entry: RepairTicketEntry) -> RepairTicket:
    return retry_locked(lambda: _notify_once(uow_factory, pusher, ticket_id, change, apply, entry))


def _notify_once(uow_factory: UowFactory, pusher: Pusher, ticket_id: int, change: str,
                 apply: dict[str, str], entry: RepairTicketEntry) -> RepairTicket:
    """Apply the change, add it to the conversation and push it to the user, in one transaction."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        ticket = uow.session.get(RepairTicket, ticket_id)
        if ticket is None:
            raise LookupError(f"no repair ticket {ticket_id}")
        for name, value in apply.items():
            setattr(ticket, name, value)
        ticket.updated_at = now
        uow.session.add(RepairTicketEntry(ticket_id=ticket_id, at=now, kind=entry.kind, operator=entry.operator,
                                          text=entry.text, status=entry.status))
        text = f"您的报修单 {ticket.ticket_no}（{ticket.category} @{ticket.location}）{change}"
        pusher.push(uow, ticket.openid, Notice(
            NoticeKind.REPAIR, f"【报修进度】\n{text}",
            {Field.ORDER_NO: ticket.ticket_no, Field.ITEM: ticket.category, Field.REASON: entry.text or change,
             Field.STATUS: STATUS.get(ticket.status, ticket.status), Field.TIME: now}), now)
        uow.commit()
        return ticket


def reply_to_ticket(uow_factory: UowFactory, pusher: Pusher, ticket_id: int, operator: str, text: str) -> RepairTicket:
    """The office answers a ticket (back-office); the user gets the answer pushed at once."""
    text = text.strip()
    if not text:
        raise ValueError("empty reply")
    log.info("ticket %s answered by %s", ticket_id, operator)
    entry = RepairTicketEntry(kind="reply", operator=operator, text=text)
    return _notify(uow_factory, pusher, ticket_id, f"收到回复：{text}", {"reply": text}, entry)


def conversation(session: Session, ticket_id: int) -> list[RepairTicketEntry]:
    """Every reply and change of status of a ticket, oldest first (the back-office shows them all)."""
    return list(session.execute(select(RepairTicketEntry).where(RepairTicketEntry.ticket_id == ticket_id)
                                .order_by(RepairTicketEntry.at, RepairTicketEntry.id)).scalars())


def change_ticket_status(uow_factory: UowFactory, pusher: Pusher, ticket_id: int, operator: str, status: str,
                         note: str | None = None) -> RepairTicket:
    """Move a ticket to open | in_progress | resolved | closed (back-office); the user is told."""
    if status not in STATUS:
        raise ValueError(f"unknown ticket status {status!r}")
    log.info("ticket %s set to %s by %s", ticket_id, status, operator)
    change = f"状态更新为：{STATUS[status]}" + (f"。{note}" if note else "")
    values = {"status": status, **({"reply": note} if note else {})}
    entry = RepairTicketEntry(kind="status", operator=operator, text=note, status=status)
    return _notify(uow_factory, pusher, ticket_id, change, values, entry)
