"""Public information from the school's data store, asked from WeChat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from adapters.campusdata.demo import COURSES
from tests.harness import Stack, new_openid
from workers.text.periods import local_today


def test_the_timetable_for_today_tomorrow_and_the_week(live: Stack, openid: str) -> None:
    live.bind(openid, "20240002", "13800000002")
    today = local_today(datetime.now(UTC))
    for word, day in (("今天", today), ("明天", today + timedelta(days=1))):
        reply = live.ask(openid, f"课表 {word}")
        expected = [c for c in COURSES if c[0] == day.isoweekday()]
        if expected:
            assert reply.startswith(f"{word}的课：") and all(c[3] in reply for c in expected)
        else:
            assert reply == f"{word}没有课，好好休息～"
    week = live.ask(openid, "课表 本周")
    assert week.count("\n") == len(COURSES) and "周五 10:00-11:35 体育" in week


def test_grades_by_term_default_to_the_latest(live: Stack, openid: str) -> None:
    live.bind(openid, "20240002", "13800000002")
    latest = live.ask(openid, "成绩")
    assert latest.startswith("2024-2025-2 学期成绩") and "程序设计基础：82（3.5学分）" in latest
    assert "高等数学A(上)：78" in live.ask(openid, "成绩 2024-2025-1")
    assert "没有找到" in live.ask(openid, "成绩 1999-2000-1")


def test_meetings_show_who_checked_in(live: Stack, openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    reply = live.ask(openid, "会议")
    assert "新学期班会（教二楼 204）未签到" in reply and "安全教育讲座（图书馆报告厅）待参加" in reply


def test_loans_with_due_dates_and_the_overdue_one(live: Stack, openid: str) -> None:
    live.bind(openid, "20240002", "13800000002")
    reply = live.ask(openid, "借阅")
    assert "《算法导论》" in reply and "（3 天后到期）" in reply and "已逾期 2 天" in reply


def test_lockers_in_use_and_none(live: Stack, openid: str) -> None:
    live.bind(openid, "20240001")
    assert "图书馆一楼存包柜 A-023 号" in live.ask(openid, "存包柜")
    other = new_openid()
    live.bind(other, "20240004", "13800000004")
    assert "没有正在使用的存包柜" in live.ask(other, "存包")


def test_an_outage_of_the_data_store_ends_in_an_apology_not_silence(live: Stack, openid: str) -> None:
    live.bind(openid, "20240003", "13800000003")
    url = f"{live.simulator_url}/campus/_faults"
    requests.post(url, json={"outage": True}, timeout=5).raise_for_status()
    try:
        assert live.ask(openid, "成绩", timeout=40) == "系统繁忙，请稍后再试。"
    finally:
        requests.delete(url, timeout=5).raise_for_status()
    assert "学期成绩" in live.ask(openid, "成绩")
