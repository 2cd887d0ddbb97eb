"""Repair tickets from one line: 报修 类别 地点 描述; the grammar help; my tickets and their answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import RepairTicket
from tests.unit.fakes import NOW, FakeCardSystem, ports, said, turn
from workers.topics import repair


def test_a_ticket_is_filed_with_a_dated_number(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    repair.file_repair(c.FileRepair("刷卡机", "一食堂二楼3号窗口", "刷卡没反应"), t)
    ticket = session.execute(select(RepairTicket)).scalar_one()
    assert ticket.ticket_no == "BX26112500001"
    assert (ticket.openid, ticket.category, ticket.status) == ("oA", "读卡器", "open")
    assert said(t).split("\n")[:2] == ["报修已受理，单号 BX26112500001。", "读卡器 @一食堂二楼3号窗口"]


def test_an_unknown_category_is_filed_as_other_keeping_the_word(session: Session, card: FakeCardSystem) -> None:
    repair.file_repair(c.FileRepair("路灯", "东门", "不亮"), turn(session, ports(card)))
    ticket = session.execute(select(RepairTicket)).scalar_one()
    assert (ticket.category, ticket.description) == ("其他", "路灯 不亮")


def test_a_ticket_missing_a_part_gets_the_grammar(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    repair.file_repair(c.FileRepair("读卡器", "一食堂"), t)
    assert said(t).startswith("报修请一行发送：报修 类别 地点 描述")
    assert "类别：读卡器、闸机门禁、充值机、水控、其他" in said(t)
    assert session.execute(select(RepairTicket)).first() is None


def test_my_repairs_lists_the_newest_first_with_the_offices_reply(session: Session, card: FakeCardSystem) -> None:
    repair.file_repair(c.FileRepair("闸机", "东门", "刷卡不开"), turn(session, ports(card)))
    later = turn(session, ports(card), at=NOW + timedelta(hours=1))
    repair.file_repair(c.FileRepair("水控", "3号楼", "没有热水"), later)
    repair.file_repair(c.FileRepair("读卡器", "二食堂", "坏了"), turn(session, ports(card), openid="oOther"))
    first = session.execute(select(RepairTicket).where(RepairTicket.category == "闸机门禁")).scalar_one()
    first.status, first.reply = "resolved", "已更换读头"
    session.flush()
    t = turn(session, ports(card))
    repair.my_repairs(c.MyRepairs(), t)
    assert said(t).split("\n") == [
        "我的报修：",
        "BX26112500002 水控 @3号楼：已受理（11-25 17:00）",
        "BX26112500001 闸机门禁 @东门：已修复（11-25 16:00）",
        "  回复：已更换读头",
    ]


def test_no_repairs_yet_points_to_how_to_file_one(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card))
    repair.my_repairs(c.MyRepairs(), t)
    assert said(t) == "您还没有报修记录。报修请一行发送：报修 类别 地点 描述"
