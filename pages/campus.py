"""课表 as a week grid and 成绩 by term with credits and GPA, from the school's public data store."""

from __future__ import annotations

from decimal import Decimal

from starlette.responses import Response

from pages.web import Ctx
from workers.text.grades import credit, gpa, points
from workers.text.periods import local_today
from workers.topics.campus_info import WEEKDAYS


def _unavailable(ctx: Ctx, title: str) -> Response:
    return ctx.render("paused.html", message=f"{title}暂时无法查询：学校数据平台未接入。")


def timetable(ctx: Ctx) -> Response:
    if ctx.deps.campus is None:
        return _unavailable(ctx, "课表")
    lessons = ctx.deps.campus.timetable(ctx.student_no)
    slots = sorted({(x.starts, x.ends) for x in lessons})
    grid = {(x.weekday, x.starts): x for x in lessons}
    return ctx.render("timetable.html", weekdays=[f"周{d}" for d in WEEKDAYS], slots=slots, grid=grid,
                      today=local_today(ctx.now).isoweekday(), count=len(lessons))


def grades(ctx: Ctx) -> Response:
    if ctx.deps.campus is None:
        return _unavailable(ctx, "成绩")
    found = ctx.deps.campus.grades(ctx.student_no)
    terms = sorted({g.term for g in found}, reverse=True)
    asked = ctx.query("term")
    term = asked if asked in terms else (terms[0] if terms else "")
    chosen = [g for g in found if g.term == term]
    rows = [{"course": g.course, "score": g.score, "credit": g.credit,
             "points": "—" if (p := points(g.score)) is None else f"{p:.1f}"} for g in chosen]
    return ctx.render("grades.html", terms=terms, term=term, rows=rows, gpa=gpa(chosen),
                      credits=sum((credit(g) for g in chosen), Decimal(0)), overall=gpa(found))
