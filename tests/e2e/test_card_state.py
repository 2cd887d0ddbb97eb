"""Report lost, unfreeze with an SMS code, change the bound phone, and the lost-and-found."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from store.tables import Binding, FoundCard
from tests.harness import Stack, new_openid


def _status(live: Stack, student_no: str) -> str:
    return live.simulators.card.holders[student_no].status


def test_report_lost_asks_to_confirm_then_freezes_the_card_at_once(live: Stack, openid: str) -> None:
    live.bind(openid, "20240004", "13800000004")
    assert "确认挂失请回复：确认挂失" in live.ask(openid, "挂失")
    assert _status(live, "20240004") == "normal"

    assert "挂失成功" in live.ask(openid, "确认挂失")
    assert _status(live, "20240004") == "lost"
    assert "状态：已挂失" in live.ask(openid, "卡信息")
    assert "已是挂失状态" in live.ask(openid, "挂失")

    since = len(live.sms_to("13800000004"))
    assert "验证码已发送至 138****0004" in live.ask(openid, "解挂")
    code = live.code_sent("13800000004", since)
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码不正确" in live.ask(openid, wrong)
    assert _status(live, "20240004") == "lost"
    assert "解挂成功" in live.ask(openid, code)
    assert _status(live, "20240004") == "normal"
    assert "没有挂失" in live.ask(openid, "解挂")


def test_a_new_phone_is_bound_only_with_the_code_sent_to_it(live: Stack, openid: str) -> None:
    live.bind(openid, "T0001", "13900000001")
    assert "例如：绑定手机" in live.ask(openid, "绑定手机 12345")
    assert "验证码已发送至 139****5678" in live.ask(openid, "绑定手机 13912345678")
    code = live.code_sent("13912345678", 0)
    assert "绑定手机已更换为 139****5678" in live.ask(openid, code)
    with live.platform.uow() as uow:
        assert uow.session.get_one(Binding, openid).phone == "13912345678"
    assert live.simulators.card.holders["T0001"].phone == "13912345678"
    # Put the demo holder back for the other tests.
    holders = live.simulators.card.holders
    holders["T0001"] = dataclasses.replace(holders["T0001"], phone="13900000001")


def test_a_found_card_reaches_its_owner_at_once_and_the_owner_can_ask(live: Stack) -> None:
    owner, finder = new_openid(), new_openid()
    live.bind(owner, "20240002", "13800000002")
    assert "暂时没有人登记捡到" in live.ask(owner, "寻卡")
    before = len(live.sent_to(owner))

    thanks = live.ask(finder, "拾卡 6100100002 一食堂一楼服务台")
    assert "感谢" in thanks and "我们已通知失主" in thanks
    pushed = live.replies(owner, before + 1)[before]
    assert "有人捡到了卡号 61****0002" in pushed and "一食堂一楼服务台" in pushed
    assert "一食堂一楼服务台" in live.ask(owner, "寻卡")


def test_a_card_found_by_name_waits_for_its_owner_to_ask(live: Stack) -> None:
    finder = new_openid()
    assert "拾卡 学号、卡号或姓名 存放地点" in live.ask(finder, "拾卡")
    assert "未能通知；失主发送“寻卡”可查到" in live.ask(finder, "拾卡 不存在的人 图书馆前台")
    with live.platform.uow() as uow:
        found = uow.session.execute(select(FoundCard).where(FoundCard.finder_openid == finder)).scalar_one()
        assert found.holder_name == "不存在的人" and found.student_no is None and not found.owner_notified


def test_an_owner_outside_the_48_hour_window_hears_of_the_found_card_by_template(live: Stack) -> None:
    owner, finder = new_openid(), new_openid()
    live.bind(owner, "20240004", "13800000004")
    live.age(owner, 72)
    before = len(live.sent_to(owner))

    assert "我们已通知失主" in live.ask(finder, "拾卡 赵六 东门保卫处")

    live.replies(owner, before + 1)
    notice = live.sent_to(owner)[before]
    assert notice["msgtype"] == "template" and notice["template"]["title"] == "失物招领通知"
    assert dict(notice["template"]["fields"])["存放地点"] == "东门保卫处"
