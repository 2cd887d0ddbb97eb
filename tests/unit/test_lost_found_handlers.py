"""Lost and found: a finder registers a card, its bound owner hears at once or finds it with 寻卡."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import commands as c
from store.tables import FoundCard
from tests.unit.fakes import NOW, FakeCardSystem, bind, follow, planned, ports, said, turn
from workers.topics import lost_found


def _found(session: Session) -> FoundCard:
    session.flush()
    return session.execute(select(FoundCard)).scalar_one()


def test_a_card_number_names_the_owner_who_is_pushed_at_once(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="20240001")
    follow(session, "oOwner", NOW - timedelta(hours=3))
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("6100100001", "一食堂服务台"), t)
    assert said(t) == "感谢您的热心！已登记。失主已绑定本公众号，我们已通知失主。"
    [push] = [m for m in planned(session, t) if m.recipient == "oOwner"]
    assert push.channel == "wechat"
    assert push.body == ("【失卡招领】\n有人捡到了卡号 61****0001 的校园卡，现存放于：一食堂服务台。"
                         "请尽快凭有效证件领取。")
    found = _found(session)
    assert (found.student_no, found.holder_name, found.owner_notified) == ("20240001", "张三", True)


def test_an_owner_silent_for_two_days_gets_the_notice_template(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="20240001")
    follow(session, "oOwner", NOW - timedelta(days=3))
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("6100100001", "东门保安室"), t)
    [push] = [m for m in planned(session, t) if m.recipient == "oOwner"]
    assert push.channel == "template" and push.notice is not None
    assert push.notice["kind"] == "lost_found" and push.notice["fields"]["place"] == "东门保安室"


def test_a_name_held_by_one_bound_user_finds_them(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="20240002")
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("李四", "图书馆前台"), t)
    assert [o.recipient for o in t.outgoing] == ["oOwner", "oFinder"]
    assert "有人捡到了您的校园卡" in t.outgoing[0].body
    assert _found(session).student_no == "20240002"


def test_a_name_two_users_share_notifies_nobody(session: Session, card: FakeCardSystem) -> None:
    first = bind(session, card, openid="oOne", student_no="20240002")
    second = bind(session, card, openid="oTwo", student_no="20240003")
    second.name = first.name
    session.flush()
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("李四", "图书馆前台"), t)
    assert [o.recipient for o in t.outgoing] == ["oFinder"]
    assert said(t) == "感谢您的热心！已登记。暂时无法确定失主，未能通知；失主发送“寻卡”可查到存放地点。"
    found = _found(session)
    assert (found.student_no, found.holder_name, found.owner_notified) == (None, "李四", False)


def test_a_finder_must_say_whose_card_and_where_it_is(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("6100100001", ""), t)
    assert said(t).startswith("请这样登记：拾卡 学号、卡号或姓名 存放地点")
    assert session.execute(select(FoundCard)).first() is None


def test_the_owner_asking_finds_where_the_card_waits(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="20240001")
    lost_found.report_found(c.ReportFound("6100100001", "一食堂服务台"), turn(session, ports(card), openid="oF"))
    session.flush()
    t = turn(session, ports(card), openid="oOwner", at=NOW + timedelta(hours=1))
    lost_found.ask_lost_card(c.AskLostCard(), t)
    assert said(t) == "好消息！\n11-25 16:00 有人捡到，存放于：一食堂服务台\n领取时请带好有效证件。"


def test_an_owner_by_name_finds_a_card_nobody_could_name(session: Session, card: FakeCardSystem) -> None:
    lost_found.report_found(c.ReportFound("张三", "二食堂门口"), turn(session, ports(card), openid="oF"))
    session.flush()
    bind(session, card, openid="oOwner", student_no="20240001")
    t = turn(session, ports(card), openid="oOwner")
    lost_found.ask_lost_card(c.AskLostCard(), t)
    assert "存放于：二食堂门口" in said(t)


def test_asking_when_nothing_was_found_suggests_reporting_it_lost(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner")
    t = turn(session, ports(card), openid="oOwner")
    lost_found.ask_lost_card(c.AskLostCard(), t)
    assert said(t) == "暂时没有人登记捡到您的校园卡。如已丢失，请尽快发送“挂失”。"


def test_a_student_number_names_the_owner_who_is_pushed_at_once(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="T0001")
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("t0001", "行政楼门卫"), t)
    assert [o.recipient for o in t.outgoing] == ["oOwner", "oFinder"]
    assert "有人捡到了您的校园卡，现存放于：行政楼门卫" in t.outgoing[0].body
    assert said(t) == "感谢您的热心！已登记。失主已绑定本公众号，我们已通知失主。"
    found = _found(session)
    assert (found.student_no, found.holder_name, found.owner_notified) == ("T0001", "陈老师", True)


def test_a_digit_student_number_is_not_mistaken_for_a_card_number(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="20240003")
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("20240003", "二食堂"), t)
    assert [o.recipient for o in t.outgoing] == ["oOwner", "oFinder"]


def test_an_owner_known_but_not_bound_is_not_reached_and_the_finder_hears_so(session: Session,
                                                                           card: FakeCardSystem) -> None:
    t = turn(session, ports(card), openid="oFinder")
    lost_found.report_found(c.ReportFound("6100100004", "体育馆"), t)
    assert [o.recipient for o in t.outgoing] == ["oFinder"]
    assert said(t).startswith("感谢您的热心！已登记。失主尚未绑定本公众号，我们无法直接通知")
    session.flush()
    bind(session, card, openid="oLate", student_no="20240004")  # binds later: 寻卡 finds it
    asked = turn(session, ports(card), openid="oLate")
    lost_found.ask_lost_card(c.AskLostCard(), asked)
    assert "体育馆" in said(asked)


def test_a_finder_registering_their_own_card_is_not_pushed_to(session: Session, card: FakeCardSystem) -> None:
    bind(session, card, openid="oOwner", student_no="20240001")
    t = turn(session, ports(card), openid="oOwner")
    lost_found.report_found(c.ReportFound("20240001", "宿舍"), t)
    assert said(t).startswith("这是您自己的校园卡") and [o.recipient for o in t.outgoing] == ["oOwner"]
