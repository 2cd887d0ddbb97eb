"""Pushes nobody asked for: repair updates, library reminders; customer-service or template by the grant."""

from __future__ import annotations

from sqlalchemy import select

from store.tables import RepairTicket
from tests.harness import Stack, new_openid
from workers.jobs.reminders import remind_due_loans
from workers.topics.repair import change_ticket_status, reply_to_ticket


def _ticket_id(live: Stack, openid: str) -> int:
    with live.platform.uow() as uow:
        return int(uow.session.execute(select(RepairTicket.id).where(RepairTicket.openid == openid)).scalar_one())


def test_a_repair_gets_a_ticket_number_and_the_office_reply_is_pushed(live: Stack, openid: str) -> None:
    assert "报修 类别 地点 描述" in live.ask(openid, "报修 读卡器")
    filed = live.ask(openid, "报修 POS机 一食堂二楼3号窗口 刷卡没反应")
    assert filed.startswith("报修已受理，单号 BX") and "读卡器 @一食堂二楼3号窗口" in filed
    ticket_no = filed.split("单号 ")[1].split("。")[0]

    before = len(live.sent_to(openid))
    reply_to_ticket(live.platform.uow, live.platform.pusher, _ticket_id(live, openid), "王师傅",
                    "已安排维修，今天下午处理")
    pushed = live.replies(openid, before + 1)[before]
    assert pushed.startswith("【报修进度】") and ticket_no in pushed and "已安排维修" in pushed

    mine = live.ask(openid, "我的报修")
    assert ticket_no in mine and "已受理" in mine and "回复：已安排维修" in mine


def test_a_user_outside_the_48_hour_window_gets_the_status_as_a_template(live: Stack, openid: str) -> None:
    live.ask(openid, "报修 闸机 东门 进门闸机不识别卡")
    live.age(openid, 60)
    before = len(live.sent_to(openid))
    change_ticket_status(live.platform.uow, live.platform.pusher, _ticket_id(live, openid), "王师傅", "resolved",
                         "已更换读头")
    live.replies(openid, before + 1)
    sent = live.sent_to(openid)[before]
    assert sent["msgtype"] == "template" and sent["template"]["title"] == "报修进度通知"
    fields = dict(sent["template"]["fields"])
    assert fields["处理进度"] == "已修复" and fields["报修单号"].startswith("BX")


def test_library_loans_due_in_three_days_are_reminded_once(live: Stack) -> None:
    near, far = new_openid(), new_openid()
    live.bind(near, "20240003", "13800000003")
    live.bind(far, "20240002", "13800000002")
    live.age(far, 50)
    near_before, far_before = len(live.sent_to(near)), len(live.sent_to(far))

    assert remind_due_loans(live.platform.uow, live.platform.ports.campus, live.platform.pusher) >= 2
    assert "《平凡的世界》将于" in live.replies(near, near_before + 1)[near_before]
    live.replies(far, far_before + 1)
    reminded = live.sent_to(far)[far_before]  # silent for 50 hours: the 借阅到期提醒 template
    assert reminded["msgtype"] == "template" and reminded["template"]["title"] == "借阅到期提醒"
    fields = dict(reminded["template"]["fields"])
    assert fields["图书名称"] and fields["到期时间"]

    assert remind_due_loans(live.platform.uow, live.platform.ports.campus, live.platform.pusher) == 0
