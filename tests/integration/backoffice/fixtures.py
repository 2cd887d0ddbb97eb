"""Rows the back-office tests act on, put straight into the database (the WeChat side is tested elsewhere)."""

from __future__ import annotations

import uuid

from adapters.wechat.callbacks import text_xml
from store.tables import Binding, BindingLog, Follower, RepairTicket, utcnow
from tests.harness import Stack


def add_binding(stack: Stack, openid: str, name: str = "测试同学", phone: str = "13712345678") -> str:
    student_no = f"S{uuid.uuid4().int % 10**9:09d}"
    now = utcnow()
    with stack.platform.uow() as uow:
        uow.session.add(Binding(openid=openid, student_no=student_no, name=name, phone=phone, bound_at=now))
        uow.session.add(BindingLog(openid=openid, student_no=student_no, action="bound", actor="user", at=now))
        uow.session.merge(Follower(openid=openid, subscribed=True, first_seen_at=now, last_interaction_at=now))
        uow.commit()
    stack.heard(text_xml(openid, "绑定"))  # the interaction just written down, as WeChat saw it
    return student_no


def add_ticket(stack: Stack, openid: str, category: str = "读卡器") -> int:
    with stack.platform.uow() as uow:
        ticket = RepairTicket(ticket_no=f"R{uuid.uuid4().hex[:10]}", openid=openid, category=category,
                              location="一食堂二楼", description="刷卡没反应", status="open")
        uow.session.add(ticket)
        uow.commit()
        return ticket.id
