"""Public information (公共信息) from the school's data store: meetings, grades, timetable, loans, lockers."""

from __future__ import annotations

from datetime import timedelta

from events import commands as c
from store.tables import Binding
from workers.runtime.reads import Ahead, reads_ahead
from workers.runtime.registry import handles_bound
from workers.runtime.turn import Turn, campus
from workers.text.format import short_time
from workers.text.periods import local_today

WEEKDAYS = "一二三四五六日"


@handles_bound(c.ShowMeetings)
def meetings(cmd: c.ShowMeetings, turn: Turn, binding: Binding) -> None:
    found = sorted(campus(turn).meetings(binding.student_no), key=lambda m: m.starts_at)
    if not found:
        turn.say("您近期没有会议。")
        return
    lines = []
    for m in found:
        if m.starts_at > turn.now:
            state = "待参加"
        else:
            state = f"已签到 {short_time(m.checked_in_at)[-5:]}" if m.checked_in_at else "未签到"
        lines.append(f"{short_time(m.starts_at)} {m.title}（{m.place}）{state}")
    turn.say("我的会议：\n" + "\n".join(lines))


@handles_bound(c.ShowGrades)
def grades(cmd: c.ShowGrades, turn: Turn, binding: Binding) -> None:
    found = campus(turn).grades(binding.student_no, cmd.term or None)
    if not found:
        turn.say(f"没有找到{cmd.term + '学期的' if cmd.term else ''}成绩。")
        return
    term = cmd.term or max(g.term for g in found)
    chosen = [g for g in found if g.term == term]
    others = sorted({g.term for g in found} - {term})
    lines = [f"{g.course}：{g.score}（{g.credit}学分）" for g in chosen]
    tail = f"\n其他学期：发送“成绩 {others[-1]}”" if others else ""
    turn.say(f"{term} 学期成绩：\n" + "\n".join(lines) + tail)


@handles_bound(c.ShowTimetable)
def timetable(cmd: c.ShowTimetable, turn: Turn, binding: Binding) -> None:
    when = cmd.when or "今天"
    today = local_today(turn.now)
    if when not in ("今天", "明天", "本周"):
        turn.say("请发送：课表 今天 / 课表 明天 / 课表 本周")
        return
    lessons = sorted(campus(turn).timetable(binding.student_no), key=lambda x: (x.weekday, x.starts))
    days = range(1, 8) if when == "本周" else [(today + timedelta(days=1 if when == "明天" else 0)).isoweekday()]
    lines = [f"{'周' + WEEKDAYS[x.weekday - 1] + ' ' if when == '本周' else ''}{x.starts}-{x.ends} {x.course} @{x.room}"
             for x in lessons if x.weekday in days]
    if not lines:
        turn.say(f"{when}没有课，好好休息～")
        return
    turn.say(f"{when}的课：\n" + "\n".join(lines))


@handles_bound(c.ShowLoans)
def loans(cmd: c.ShowLoans, turn: Turn, binding: Binding) -> None:
    today = local_today(turn.now)
    found = sorted(campus(turn).loans(binding.student_no), key=lambda x: x.due_on)
    if not found:
        turn.say("您当前没有借阅图书。")
        return
    lines = []
    for loan in found:
        days = (loan.due_on - today).days
        state = f"已逾期 {-days} 天" if days < 0 else "今天到期" if days == 0 else f"{days} 天后到期"
        lines.append(f"《{loan.title}》{loan.due_on.month}月{loan.due_on.day}日到期（{state}）")
    turn.say("我的借阅：\n" + "\n".join(lines))


@handles_bound(c.ShowLockers)
def lockers(cmd: c.ShowLockers, turn: Turn, binding: Binding) -> None:
    found = campus(turn).lockers(binding.student_no)
    if not found:
        turn.say("您没有正在使用的存包柜。")
        return
    turn.say("正在使用的存包柜：\n" + "\n".join(f"{x.place} {x.number} 号，自 {short_time(x.since)} 起" for x in found))


@reads_ahead(c.ShowMeetings)
def _meetings_reads(cmd: c.ShowMeetings, ahead: Ahead) -> None:
    ahead.campus.meetings(ahead.student_no)


@reads_ahead(c.ShowGrades)
def _grades_reads(cmd: c.ShowGrades, ahead: Ahead) -> None:
    ahead.campus.grades(ahead.student_no, cmd.term or None)


@reads_ahead(c.ShowTimetable)
def _timetable_reads(cmd: c.ShowTimetable, ahead: Ahead) -> None:
    if (cmd.when or "今天") in ("今天", "明天", "本周"):
        ahead.campus.timetable(ahead.student_no)


@reads_ahead(c.ShowLoans)
def _loans_reads(cmd: c.ShowLoans, ahead: Ahead) -> None:
    ahead.campus.loans(ahead.student_no)


@reads_ahead(c.ShowLockers)
def _lockers_reads(cmd: c.ShowLockers, ahead: Ahead) -> None:
    ahead.campus.lockers(ahead.student_no)
