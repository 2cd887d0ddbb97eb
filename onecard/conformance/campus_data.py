"""The campus data store's checks: each of the test holder's listings, the loans due on a day, and
the documented 404 for a person it does not know."""

from __future__ import annotations

from datetime import datetime

from events.campus_time import SHANGHAI
from onecard.conformance.options import Options
from onecard.conformance.probe import Probe

#: (what a student asks, the listing's path): the reads onecard's campus-data client makes.
LISTINGS = (("会议签到", "/people/{student_no}/meetings"), ("成绩", "/people/{student_no}/grades"),
            ("课表", "/people/{student_no}/timetable"), ("借阅", "/people/{student_no}/loans"),
            ("储物柜", "/people/{student_no}/lockers"))
FIX = "测试持卡人的这项查询须答复 HTTP 200 {\"items\": [...]}，每项格式符合契约"


def check_campus_data(probe: Probe, options: Options) -> None:
    if options.holder:
        for title, template in LISTINGS:
            probe.check(f"查询{title}", probe.call("GET", template, {"student_no": options.holder}), 200, FIX)
    else:
        probe.report.no_holder()
    today = datetime.now(SHANGHAI).date().isoformat()
    probe.check("今天到期的借阅", probe.call("GET", "/loans/due", query={"date": today}), 200, FIX)
    for title, template in LISTINGS:
        probe.check(f"未知学号：{title}", probe.call("GET", template, {"student_no": options.unknown_holder}), 404,
                    "不存在的学号须答复 HTTP 404 与契约中的错误体 {\"error\": \"no_such_person\", \"message\": …}")
    if options.with_money:
        probe.report.skip("记账步骤", "校园数据没有记账操作")
