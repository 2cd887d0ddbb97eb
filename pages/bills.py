"""月账单 and 年度账单 as pictures: the same `Bill` the chat answer renders, drawn with ECharts.

The charts get integer fen (their labels turn fen into yuan without floats); the numbers in the
text come from the same `Bill`, so a page and `账单 2026-10` in the chat never disagree.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response

from pages.web import Ctx
from workers import statements as reads
from workers.text.bills import Bill
from workers.text.periods import Period, local_today, month_of, year_period


def _trend(bill: Bill) -> str:
    change = bill.change_percent
    if change is None:
        return ""
    return f"多花了 {change}%" if change > 0 else f"少花了 {-change}%" if change < 0 else "持平"


def _charts(bill: Bill, period: Period, yearly: bool) -> dict[str, Any]:
    """What the charts draw: every month of the year or day of the month, quiet ones as 0."""
    if yearly:
        months = dict(bill.by_month)
        timeline = [[f"{m}月", months.get(m, 0)] for m in range(1, 13)]
    else:
        days = dict(bill.by_day)
        timeline = [[f"{d.month}-{d.day:02d}", days.get(d, 0)]
                    for d in (period.first + timedelta(days=n) for n in range((period.end - period.first).days))]
    return {"categories": [{"name": t.name, "value": t.fen} for t in bill.by_category],
            "timeline": timeline, "yearly": yearly}


def month(ctx: Ctx) -> Response:
    asked = ctx.query("month")
    period = reads.bill_month(asked or None, ctx.now)
    if period is None:
        return ctx.render("bill.html", status_code=400, error="月份格式应为 2026-10", bill=None, yearly=False)
    bill = reads.month_bill(ctx.deps.card, ctx.student_no, period)
    this_month = month_of(local_today(ctx.now))
    before, after = month_of(period.first, -1), month_of(period.first, 1)
    return ctx.render("bill.html", bill=bill, yearly=False, title=f"{period.label}账单", label=period.label,
                      previous_label="上月", trend=_trend(bill), charts=_charts(bill, period, False),
                      before=f"/m/bill?month={before.first:%Y-%m}",
                      after=f"/m/bill?month={after.first:%Y-%m}" if after.first <= this_month.first else "")


def year(ctx: Ctx) -> Response:
    chosen = reads.bill_year(ctx.query("year") or None, ctx.now)
    if chosen is None:
        return ctx.render("bill.html", status_code=400, error="年份格式应为 2026", bill=None, yearly=True)
    bill = reads.year_bill(ctx.deps.card, ctx.student_no, chosen)
    period = year_period(chosen)
    label = period.label
    return ctx.render("bill.html", bill=bill, yearly=True, title=f"{label}年度账单", label=label,
                      previous_label="去年", trend=_trend(bill), charts=_charts(bill, period, True),
                      before=f"/m/year-bill?year={chosen - 1}",
                      after=f"/m/year-bill?year={chosen + 1}" if chosen < local_today(ctx.now).year else "")
