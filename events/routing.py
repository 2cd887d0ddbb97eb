"""The one table from WeChat text keywords, menu keys and event types to a topic and a command.

Ingress calls `route` to pick the queue; the worker calls it again on the stored message to get
the command, so both always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from events import arguments as sp
from events import commands as c
from events.messages import InboundMessage
from events.money_kinds import FEES, TOPUP
from events.topics import Topic

Builder = Callable[[str], c.Command | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """Words (or a menu key) that start a command; `build` gets the text after the word."""

    topic: Topic
    words: tuple[str, ...]
    build: Builder
    menu_key: str | None = None
    usage: str = ""
    #: The switch in the back-office that can pause this function (None: never paused).
    feature: str | None = None
    #: The help module this rule is listed under ("帮助 校园卡"); empty: the basic list.
    module: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    topic: Topic
    command: c.Command
    feature: str | None = None


#: How much of a text no rule reads is kept in the command (enough for any article keyword).
NOT_UNDERSTOOD_KEPT = 40
_STUDENT_NO = re.compile(r"^[0-9A-Za-z]{4,20}$")
_CODE = re.compile(r"^\d{6}$")


def _start_bind(args: str) -> c.Command | None:
    student_no = args.strip()
    return c.StartBind(student_no) if _STUDENT_NO.match(student_no) else None


RULES: tuple[Rule, ...] = (
    Rule(Topic.BIND, ("绑定", "bind"), _start_bind, usage="绑定 学号 —— 绑定校园卡（短信验证）", feature="bind"),
    Rule(Topic.BIND, ("解绑", "unbind"), lambda _: c.Unbind(), menu_key="UNBIND", usage="解绑 —— 解除绑定",
         feature="bind"),
    Rule(Topic.QUERY, ("余额", "balance"), lambda _: c.QueryBalance(), menu_key="BALANCE",
         usage="余额 —— 查询校园卡余额", feature="balance"),
    Rule(Topic.GENERAL, ("帮助", "help", "?", "？"), lambda a: c.Help(topic=sp.rest(a)), menu_key="HELP",
         usage="帮助 —— 显示本说明"),
    Rule(Topic.GENERAL, ("菜单", "menu"), lambda _: c.ShowMenu(), usage="菜单 —— 用文字列出菜单里的全部功能"),
    # -- card services (校园卡) ------------------------------------------------------------
    Rule(Topic.QUERY, ("卡信息", "我的卡", "校园卡", "账户信息", "账户"), lambda _: c.ShowCardInfo(),
         menu_key="CARD_INFO", usage="卡信息 —— 持卡人、卡号、状态、有效期", feature="card_info", module="校园卡"),
    Rule(Topic.QUERY, ("流水", "消费记录"), lambda a: c.ShowHistory(sp.rest(a)), menu_key="HISTORY",
         usage="流水 [今天|昨天|11-20|本月|上月|2026-10] —— 交易明细", feature="history", module="校园卡"),
    Rule(Topic.QUERY, ("更多", "more"), lambda _: c.MoreHistory(), usage="更多 —— 流水的下一页",
         feature="history", module="校园卡"),
    Rule(Topic.QUERY, ("账单", "月账单"), lambda a: c.ShowBill(sp.rest(a)), menu_key="BILL",
         usage="账单 [本月|上月|2026-10] —— 月度趣味账单（默认上月）", feature="bill", module="校园卡"),
    Rule(Topic.QUERY, ("年度账单", "年账单"), lambda a: c.ShowYearBill(sp.rest(a)), menu_key="YEAR_BILL",
         usage="年度账单 [2026] —— 一年的消费总结", feature="bill", module="校园卡"),
    Rule(Topic.BIND, ("挂失",), lambda _: c.ReportLost(), menu_key="REPORT_LOST",
         usage="挂失 —— 挂失校园卡（需再回复“确认挂失”）", feature="lost", module="校园卡"),
    Rule(Topic.BIND, ("确认挂失",), lambda _: c.ReportLost(confirmed=True), feature="lost", module="校园卡"),
    Rule(Topic.BIND, ("解挂", "解除挂失"), lambda _: c.StartUnfreeze(), usage="解挂 —— 解除挂失（短信验证）",
         feature="lost", module="校园卡"),
    Rule(Topic.BIND, ("绑定手机", "换手机", "更换手机"), sp.phone,
         usage="绑定手机 新手机号 —— 更换绑定手机（短信验证）",
         feature="phone", module="校园卡"),
    Rule(Topic.GENERAL, ("拾卡", "捡到卡"), sp.found, usage="拾卡 卡号或姓名 存放地点 —— 登记捡到的校园卡",
         feature="found", module="校园卡"),
    Rule(Topic.QUERY, ("寻卡", "失卡", "寻找失卡"), lambda _: c.AskLostCard(), menu_key="FIND_CARD",
         usage="寻卡 —— 查询我丢失的卡是否被人捡到", feature="found", module="校园卡"),
    # -- public information (公共信息) -------------------------------------------------------
    Rule(Topic.QUERY, ("课表", "课程表"), lambda a: c.ShowTimetable(sp.rest(a)), menu_key="TIMETABLE",
         usage="课表 [今天|明天|本周] —— 我的课表", feature="timetable", module="公共信息"),
    Rule(Topic.QUERY, ("成绩",), lambda a: c.ShowGrades(sp.rest(a)), menu_key="GRADES",
         usage="成绩 [2024-2025-1] —— 各学期成绩", feature="grades", module="公共信息"),
    Rule(Topic.QUERY, ("会议", "签到"), lambda _: c.ShowMeetings(), menu_key="MEETINGS",
         usage="会议 —— 我的会议和签到记录", feature="meetings", module="公共信息"),
    Rule(Topic.QUERY, ("借阅", "借书"), lambda _: c.ShowLoans(), menu_key="LOANS",
         usage="借阅 —— 图书借阅和到期日", feature="library", module="公共信息"),
    Rule(Topic.QUERY, ("存包柜", "存包"), lambda _: c.ShowLockers(), menu_key="LOCKERS",
         usage="存包柜 —— 我正在使用的存包柜", feature="lockers", module="公共信息"),
    # -- notifications, repair, guide (服务) -------------------------------------------------
    Rule(Topic.GENERAL, ("报修",), sp.repair, menu_key="REPAIR",
         usage="报修 类别 地点 描述 —— 例：报修 读卡器 一食堂二楼 刷卡无反应", feature="repair", module="报修"),
    Rule(Topic.GENERAL, ("我的报修", "报修进度"), lambda _: c.MyRepairs(), menu_key="MY_REPAIRS",
         usage="我的报修 —— 报修单的进度和回复", feature="repair", module="报修"),
    Rule(Topic.GENERAL, ("指南", "服务指南"), lambda a: c.SearchGuide(sp.rest(a)), menu_key="GUIDE",
         usage="指南 [关键词] —— 搜索服务指南，例：指南 补卡", feature="guide", module="服务指南"),
    Rule(Topic.GENERAL, ("新闻",), lambda a: c.ShowArticles("news", sp.rest(a)),
         usage="新闻 [关键词] —— 最新新闻，或按关键词查找", feature="news", module="通知"),
    Rule(Topic.GENERAL, ("公告", "通知"), lambda a: c.ShowArticles("announcement", sp.rest(a)),
         usage="公告 [关键词] —— 最新公告，或按关键词查找", feature="news", module="通知"),
    Rule(Topic.GENERAL, ("退订",), lambda _: c.OptOut(), usage="退订 —— 不再接收新闻和公告", module="通知"),
    Rule(Topic.GENERAL, ("订阅",), lambda _: c.OptIn(), usage="订阅 —— 重新接收新闻和公告", module="通知"),
    # -- real-time card alerts (提醒) ---------------------------------------------------------
    Rule(Topic.GENERAL, ("提醒设置",), lambda _: c.ShowAlertSettings(), menu_key="ALERT_SETTINGS",
         usage="提醒设置 —— 查看全部提醒设置", feature="alerts", module="提醒"),
    Rule(Topic.GENERAL, ("消费提醒",), lambda a: c.SetSpendingAlert(sp.rest(a)),
         usage="消费提醒 开|关|20 —— 每笔消费即时提醒（20：只提醒 20 元及以上）", feature="alerts", module="提醒"),
    Rule(Topic.GENERAL, ("余额提醒",), lambda a: c.SetLowBalanceAlert(sp.rest(a)),
         usage="余额提醒 20|关 —— 余额低于 20 元时提醒一次", feature="alerts", module="提醒"),
    Rule(Topic.GENERAL, ("自动充值",), lambda a: c.SetAutoTopup(sp.rest(a)),
         usage="自动充值 50 低于 20|关 —— 余额低于 20 元时自动充值 50 元（首次短信验证）", feature="alerts",
         module="提醒"),
    Rule(Topic.GENERAL, ("每日账单",), lambda a: c.SetDailySummary(sp.rest(a)),
         usage="每日账单 开|关 —— 每晚 21:00 推送当天消费汇总", feature="alerts", module="提醒"),
)


def _payment(kind: str) -> Builder:
    return lambda args: c.StartPayment(kind, args.strip())


# Money (topic topup): `充值 50` or a fee payment asks, `确认` confirms, `取消` cancels.
RULES += (
    Rule(Topic.TOPUP, TOPUP.words, lambda args: c.StartTopup(args.strip()), menu_key="TOPUP", usage=TOPUP.usage,
         feature="topup"),
    # Each fee, 确认 and 取消 under "帮助 充值缴费": the overview (and the welcome) stays short.
    *(Rule(Topic.TOPUP, k.words, _payment(k.code), menu_key=f"PAY_{k.code.upper()}", usage=k.usage, feature="fees",
           module="充值缴费") for k in FEES),
    Rule(Topic.TOPUP, ("确认", "confirm"), lambda _: c.ConfirmOrder(), menu_key="CONFIRM",
         usage="确认 —— 确认待支付的充值或缴费", module="充值缴费"),
    Rule(Topic.TOPUP, ("取消", "cancel"), lambda _: c.CancelOrder(), menu_key="CANCEL",
         usage="取消 —— 取消待确认的订单", module="充值缴费"),
    Rule(Topic.GENERAL, ("缴费",), lambda _: c.ShowMenu("fees"), menu_key="MENU_FEES",
         usage="缴费 —— 列出可缴的费用（网费、电费、图书欠费等）", feature="fees"),
)

# Menu buttons that open a picker (`events.menu.PICKERS`): a reply listing what to send next.
def _picker(name: str) -> Builder:
    return lambda _: c.ShowMenu(name)


RULES += tuple(Rule(Topic.GENERAL, (), _picker(name), menu_key=f"MENU_{name.upper()}")
               for name in ("card", "account", "news", "more"))

#: Message types a user sends that we do not serve, answered politely.
UNSUPPORTED_MESSAGES = frozenset({"image", "voice", "video", "shortvideo", "location", "link", "file"})


def _find_rule(word: str) -> Rule | None:
    lowered = word.lower()
    for rule in RULES:
        if lowered in rule.words:
            return rule
    return None


def route_text(text: str) -> Route:
    text = text.strip()
    if _CODE.match(text):
        # No switch here: the code answers whichever dialogue asked for it, and that dialogue's switch
        # applies (`workers/topics/code_replies.py`); pausing 绑定 must not block the code of 解挂.
        return Route(Topic.BIND, c.VerifyCode(text))
    word, _, args = text.partition(" ")
    rule = _find_rule(word)
    # "绑定20240001" without a space is how people type on a phone.
    if rule is None:
        for candidate in RULES:
            for w in candidate.words:
                if len(w) > 1 and text.lower().startswith(w) and text[len(w):].strip():
                    rule, args = candidate, text[len(w):]
                    break
            if rule:
                break
    if rule is not None:
        command = rule.build(args)
        if command is not None:
            return Route(rule.topic, command, rule.feature)
    return Route(Topic.GENERAL, c.NotUnderstood(text[:NOT_UNDERSTOOD_KEPT]))


def route_menu_key(key: str) -> Route:
    for rule in RULES:
        if rule.menu_key is not None and rule.menu_key == key:
            command = rule.build("")
            if command is not None:
                return Route(rule.topic, command, rule.feature)
    return Route(Topic.GENERAL, c.Help(unknown=True))


def route(msg: InboundMessage) -> Route | None:
    """The topic and command for a callback; None means: store it, answer nothing."""
    if msg.msg_type == "text":
        return route_text(msg.content or "")
    if msg.msg_type in UNSUPPORTED_MESSAGES:
        return Route(Topic.GENERAL, c.Unsupported(msg.msg_type))
    if msg.msg_type != "event":
        # A message type WeChat added after us: the user still hears that we cannot read it.
        return Route(Topic.GENERAL, c.Unsupported(msg.msg_type[:32]))
    event = (msg.event or "").lower()
    if event == "subscribe":
        return Route(Topic.GENERAL, c.Welcome())
    if event == "unsubscribe":
        return Route(Topic.GENERAL, c.Unsubscribed())
    if event == "click":
        return route_menu_key(msg.event_key or "")
    return None


def help_lines(module: str = "", off: Collection[str] = ()) -> list[str]:
    """The usage lines of one help module ("" = the basic functions without a module); `off`: paused features."""
    return [rule.usage for rule in RULES if rule.usage and rule.module == module and rule.feature not in off]


def help_modules(off: Collection[str] = ()) -> list[str]:
    """The modules with at least one function not in `off`."""
    return list(dict.fromkeys(rule.module for rule in RULES if rule.module and rule.feature not in off))


def rule_for(word: str) -> Rule | None:
    """The rule a word starts (pickers list its usage line)."""
    return _find_rule(word)


#: The name an operator reads for each switch (`Rule.feature`); a new switch gets its name here.
FEATURE_LABELS = {
    "bind": "绑定与解绑", "balance": "余额查询", "card_info": "卡信息", "history": "交易流水", "bill": "账单",
    "lost": "挂失与解挂", "phone": "更换绑定手机", "found": "拾卡与寻卡", "timetable": "课表", "grades": "成绩",
    "meetings": "会议", "library": "图书借阅", "lockers": "存包柜", "repair": "报修", "guide": "服务指南",
    "topup": "校园卡充值", "fees": "缴费", "news": "新闻与公告查询", "alerts": "消费提醒",
}


def features() -> list[str]:
    """Every switchable function, in the order of the routing table."""
    return list(dict.fromkeys(rule.feature for rule in RULES if rule.feature))
