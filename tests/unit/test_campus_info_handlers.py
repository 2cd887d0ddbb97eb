"""Public information from the school's data store: meetings, grades, timetable, loans, lockers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from adapters.campusdata.port import Grade, Lesson, Loan, Locker, Meeting
from events import commands as c
from events.errors import PermanentError
from tests.unit.fakes import NOW, FakeCampus, FakeCardSystem, bind, local, ports, said, turn
from workers.runtime.turn import Turn
from workers.topics import campus_info

ME = "20240001"



@pytest.fixture
def campus(session: Session, card: FakeCardSystem) -> FakeCampus:
    """The data store, and a user bound to the card whose rows a test fills in."""
    bind(session, card, student_no=ME)
    return FakeCampus()


def _ask(session: Session, card: FakeCardSystem, campus: FakeCampus, handler: Callable[[Any, Turn], None],
         cmd: c.Command, at: datetime = NOW) -> str:
    t = turn(session, ports(card, campus=campus), at=at)
    handler(cmd, t)
    return said(t)


def test_meetings_in_time_order_with_their_check_in(session: Session, card: FakeCardSystem,
                                                    campus: FakeCampus) -> None:
    campus.meeting_rows[ME] = [
        Meeting("M3", "安全教育讲座", local(2026, 11, 26, 15, 0), "图书馆报告厅", None),
        Meeting("M1", "新学期班会", local(2026, 11, 20, 19, 0), "教二楼 204", local(2026, 11, 20, 18, 56)),
        Meeting("M2", "年级大会", local(2026, 11, 22, 10, 0), "礼堂", None),
    ]
    assert _ask(session, card, campus, campus_info.meetings, c.ShowMeetings()).split("\n") == [
        "我的会议：",
        "11-20 19:00 新学期班会（教二楼 204）已签到 18:56",
        "11-22 10:00 年级大会（礼堂）未签到",
        "11-26 15:00 安全教育讲座（图书馆报告厅）待参加",
    ]


def test_no_meetings_is_said_plainly(session: Session, card: FakeCardSystem, campus: FakeCampus) -> None:
    assert _ask(session, card, campus, campus_info.meetings, c.ShowMeetings()) == "您近期没有会议。"


def test_grades_default_to_the_newest_term_and_point_to_the_others(session: Session, card: FakeCardSystem,
                                                                    campus: FakeCampus) -> None:
    campus.grade_rows[ME] = [Grade("2024-2025-1", "高等数学A(上)", "5", "92"),
                             Grade("2024-2025-2", "程序设计基础", "3.5", "95"),
                             Grade("2024-2025-1", "大学英语(一)", "3", "优秀")]
    assert _ask(session, card, campus, campus_info.grades, c.ShowGrades()) == (
        "2024-2025-2 学期成绩：\n程序设计基础：95（3.5学分）\n其他学期：发送“成绩 2024-2025-1”")
    assert _ask(session, card, campus, campus_info.grades, c.ShowGrades("2024-2025-1")) == (
        "2024-2025-1 学期成绩：\n高等数学A(上)：92（5学分）\n大学英语(一)：优秀（3学分）")
    assert _ask(session, card, campus, campus_info.grades, c.ShowGrades("2023-2024-1")) == (
        "没有找到2023-2024-1学期的成绩。")


def _week(campus: FakeCampus) -> None:
    campus.lesson_rows[ME] = [
        Lesson(3, "19:00", "20:35", "形势与政策", "教二楼 大阶梯"),
        Lesson(4, "14:00", "15:35", "大学物理", "理科楼 112"),
        Lesson(3, "08:00", "09:35", "高等数学A", "教一楼 101"),
        Lesson(1, "14:00", "15:35", "大学英语", "外语楼 203"),
    ]


def test_todays_lessons_in_order(session: Session, card: FakeCardSystem, campus: FakeCampus) -> None:
    _week(campus)
    assert _ask(session, card, campus, campus_info.timetable, c.ShowTimetable()) == (
        "今天的课：\n08:00-09:35 高等数学A @教一楼 101\n19:00-20:35 形势与政策 @教二楼 大阶梯")


def test_today_is_the_day_in_shanghai_not_in_utc(session: Session, card: FakeCardSystem,
                                                 campus: FakeCampus) -> None:
    _week(campus)
    after_midnight_in_shanghai = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert "大学物理" in _ask(session, card, campus, campus_info.timetable, c.ShowTimetable("今天"),
                              at=after_midnight_in_shanghai)


def test_tomorrow_and_the_whole_week(session: Session, card: FakeCardSystem, campus: FakeCampus) -> None:
    _week(campus)
    assert _ask(session, card, campus, campus_info.timetable, c.ShowTimetable("明天")) == (
        "明天的课：\n14:00-15:35 大学物理 @理科楼 112")
    week = _ask(session, card, campus, campus_info.timetable, c.ShowTimetable("本周")).split("\n")
    assert week[0] == "本周的课："
    assert [line[:2] for line in week[1:]] == ["周一", "周三", "周三", "周四"]


def test_a_day_without_lessons_and_a_word_we_do_not_know(session: Session, card: FakeCardSystem,
                                                         campus: FakeCampus) -> None:
    _week(campus)
    friday = NOW + timedelta(days=2)
    assert _ask(session, card, campus, campus_info.timetable, c.ShowTimetable("明天"), at=friday) == (
        "明天没有课，好好休息～")
    assert _ask(session, card, campus, campus_info.timetable, c.ShowTimetable("后天")) == (
        "请发送：课表 今天 / 课表 明天 / 课表 本周")


def test_loans_by_due_date_with_what_is_overdue(session: Session, card: FakeCardSystem,
                                                campus: FakeCampus) -> None:
    campus.loan_rows[ME] = [Loan("L3", "三体", date(2026, 11, 1), date(2026, 11, 28)),
                            Loan("L1", "活着", date(2026, 10, 1), date(2026, 11, 23)),
                            Loan("L2", "算法导论", date(2026, 10, 20), date(2026, 11, 25))]
    assert _ask(session, card, campus, campus_info.loans, c.ShowLoans()).split("\n") == [
        "我的借阅：",
        "《活着》11月23日到期（已逾期 2 天）",
        "《算法导论》11月25日到期（今天到期）",
        "《三体》11月28日到期（3 天后到期）",
    ]


def test_no_loans_is_said_plainly(session: Session, card: FakeCardSystem, campus: FakeCampus) -> None:
    assert _ask(session, card, campus, campus_info.loans, c.ShowLoans()) == "您当前没有借阅图书。"


def test_lockers_in_use_since_when(session: Session, card: FakeCardSystem, campus: FakeCampus) -> None:
    assert _ask(session, card, campus, campus_info.lockers, c.ShowLockers()) == "您没有正在使用的存包柜。"
    campus.locker_rows[ME] = [Locker("图书馆一楼存包柜", "A-023", NOW - timedelta(minutes=100))]
    assert _ask(session, card, campus, campus_info.lockers, c.ShowLockers()) == (
        "正在使用的存包柜：\n图书馆一楼存包柜 A-023 号，自 11-25 14:20 起")


def test_an_unbound_user_is_told_to_bind_before_anything_is_read(session: Session, card: FakeCardSystem) -> None:
    t = turn(session, ports(card, campus=FakeCampus()), openid="oStranger")
    campus_info.grades(c.ShowGrades(), t)
    assert "绑定 学号" in said(t)


def test_without_a_data_store_the_query_fails_permanently(session: Session, card: FakeCardSystem,
                                                          campus: FakeCampus) -> None:
    with pytest.raises(PermanentError):
        campus_info.meetings(c.ShowMeetings(), turn(session, ports(card, campus=None)))
