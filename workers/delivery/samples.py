"""A sample notice of every kind, and what a student's phone shows of it as a template message.

The 模板消息 page previews each kind with it and sends it as a test, and `onecard templates check`
prints it: a clerk judges a template by a real-looking notice, not by its keys. The values are the
awkward ones (a merchant name longer than a `thing` holds, four-digit amounts, Chinese order text),
so what a key's type cuts off shows before a student sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from events.notices import KINDS, Field, Notice, NoticeKind
from workers.delivery.templates import Choice, render, template_keys

CARD_NO = "2024000118"
STUDENT_NO = "20240001"


def sample(kind: NoticeKind, now: datetime) -> Notice:
    """A notice of `kind` as the platform would send it at `now`, with every field the kind carries."""
    f = Field
    fields: dict[NoticeKind, dict[Field, int | str | datetime]] = {
        NoticeKind.SPENDING: {f.AMOUNT: 128850, f.MERCHANT: "北校区第二学生食堂三楼清真风味自选快餐窗口", f.TIME: now,
                              f.BALANCE: 3260, f.COUNT: "1"},
        NoticeKind.LOW_BALANCE: {f.BALANCE: 850, f.TIME: now, f.REASON: "余额低于 10.00 元，请及时充值以免影响就餐",
                                 f.CARD_NO: CARD_NO},
        NoticeKind.SUSPICIOUS: {f.AMOUNT: 99900, f.MERCHANT: "南门外校企合作数码产品专营店（电子产品）", f.TIME: now,
                                f.REASON: "单笔金额超过 500.00 元，如非本人操作请立即挂失", f.BALANCE: 12034},
        NoticeKind.TOPUP: {f.AMOUNT: 100000, f.STATUS: "成功", f.ORDER_NO: "T20261208123045000123", f.TIME: now,
                           f.BALANCE: 103260, f.REASON: "充值成功，本次圈存 1000.00 元"},
        NoticeKind.FEE: {f.ITEM: "2026年秋季学期住宿费（北苑3号楼512室）", f.AMOUNT: 120000, f.STATUS: "成功",
                         f.ORDER_NO: "F20261208093011000456", f.TIME: now, f.BALANCE: 56780,
                         f.REASON: "住宿费缴费成功：1200.00 元"},
        NoticeKind.CARD_STATUS: {f.CARD_NO: CARD_NO, f.STATUS: "已挂失", f.TIME: now,
                                 f.REASON: "挂失后卡内余额已冻结，补卡请到校园卡服务中心办理", f.ACCOUNT: STUDENT_NO},
        NoticeKind.LOST_FOUND: {f.ITEM: "校园卡", f.PLACE: "图书馆一楼总服务台（东门进门右手边失物招领处）",
                                f.TIME: now, f.REASON: "请尽快凭有效证件领取", f.CARD_NO: CARD_NO},
        NoticeKind.REPAIR: {f.ORDER_NO: "R2026120800042", f.ITEM: "读卡器", f.STATUS: "已完成", f.TIME: now,
                            f.REASON: "维修师傅已更换二食堂一楼3号窗口的读卡器，请再试"},
        NoticeKind.LOAN_DUE: {f.ITEM: "《深入理解计算机系统（原书第3版）》", f.TIME: now + timedelta(days=3),
                              f.REASON: "请及时续借或归还"},
        NoticeKind.ANNOUNCEMENT: {f.TITLE: "关于2026年寒假期间校园卡服务中心调整办公时间的通知", f.TIME: now,
                                  f.REASON: "寒假期间每周二、周四 9:00–16:00 办公", f.ITEM: "校园卡服务"},
        NoticeKind.SUMMARY: {f.TIME: now, f.AMOUNT: 4650, f.COUNT: "5", f.BALANCE: 3260,
                             f.REASON: "今日在食堂消费 5 笔，共 46.50 元"},
        NoticeKind.UNBOUND: {f.ACCOUNT: STUDENT_NO, f.TIME: now,
                             f.REASON: "已在校园卡服务中心解除绑定，如非本人操作请联系服务中心"},
    }
    links = {NoticeKind.SPENDING: "/m/bill", NoticeKind.SUMMARY: "/m/bill", NoticeKind.SUSPICIOUS: "/m/history",
             NoticeKind.TOPUP: "/m/card", NoticeKind.FEE: "/m/card", NoticeKind.LOW_BALANCE: "/m/card",
             NoticeKind.CARD_STATUS: "/m/card"}
    return Notice(kind, f"【示例】{KINDS[kind].name}", fields[kind], links.get(kind, ""))


@dataclass(frozen=True)
class Shown:
    """A template message as the phone shows it since WeChat's 2023 change: the template's title,
    then one `label：value` line per key (no first/remark, no colours); and the `data` sent."""

    title: str
    lines: list[tuple[str, str]]
    data: dict[str, dict[str, str]]


def shown(notice: Notice, choice: Choice) -> Shown:
    """`notice` filled into `choice`'s template, each value shaped to its key's type by `render`."""
    data = render(notice, choice)
    lines = [(key.label, data[key.key]["value"]) for key in template_keys(choice.template) if key.key in data]
    return Shown(choice.template.title, lines, data)
