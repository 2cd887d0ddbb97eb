"""Commands a user's message or click asks for. Frozen, small, safe to rebuild from the inbox."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command."""


@dataclass(frozen=True, slots=True)
class StartBind(Command):
    student_no: str


@dataclass(frozen=True, slots=True)
class VerifyCode(Command):
    code: str


@dataclass(frozen=True, slots=True)
class Unbind(Command):
    pass


@dataclass(frozen=True, slots=True)
class QueryBalance(Command):
    pass


@dataclass(frozen=True, slots=True)
class Help(Command):
    #: True when the user sent something we did not understand.
    unknown: bool = False
    #: A module's name ("校园卡", "报修"…) for that module's help; empty for the overview.
    topic: str = ""


@dataclass(frozen=True, slots=True)
class NotUnderstood(Command):
    """Text no rule reads: an article keyword set in the back-office, or a short pointer to the menu."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class ShowMenu(Command):
    """`菜单` (the whole menu as text) or a menu button that opens a picker (`events.menu.PICKERS`)."""

    picker: str = ""


@dataclass(frozen=True, slots=True)
class ShowArticles(Command):
    """`新闻`, `公告`: the latest ones; with a keyword, the ones it finds."""

    kind: str
    keyword: str = ""


@dataclass(frozen=True, slots=True)
class Welcome(Command):
    pass


@dataclass(frozen=True, slots=True)
class Unsubscribed(Command):
    pass


@dataclass(frozen=True, slots=True)
class Unsupported(Command):
    msg_type: str


# -- card services (校园卡) ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ShowCardInfo(Command):
    pass


@dataclass(frozen=True, slots=True)
class ShowHistory(Command):
    #: As typed: "", "今天", "昨天", "11-20", "2026-11-20", "本月", "上月", "2026-10", "10月".
    period: str = ""


@dataclass(frozen=True, slots=True)
class MoreHistory(Command):
    pass


@dataclass(frozen=True, slots=True)
class ShowBill(Command):
    month: str = ""


@dataclass(frozen=True, slots=True)
class ShowYearBill(Command):
    year: str = ""


@dataclass(frozen=True, slots=True)
class ReportLost(Command):
    #: False asks for the confirmation; "确认挂失" sends True.
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class StartUnfreeze(Command):
    pass


@dataclass(frozen=True, slots=True)
class ChangePhone(Command):
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ReportFound(Command):
    """Somebody found a card: `who` is a card number or the holder's name, `place` where it waits."""

    who: str = ""
    place: str = ""


@dataclass(frozen=True, slots=True)
class AskLostCard(Command):
    pass


# -- public information (公共信息) -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ShowMeetings(Command):
    pass


@dataclass(frozen=True, slots=True)
class ShowGrades(Command):
    term: str = ""


@dataclass(frozen=True, slots=True)
class ShowTimetable(Command):
    when: str = ""  # 今天 | 明天 | 本周


@dataclass(frozen=True, slots=True)
class ShowLoans(Command):
    pass


@dataclass(frozen=True, slots=True)
class ShowLockers(Command):
    pass


# -- notifications, repair, guide -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OptOut(Command):
    pass


@dataclass(frozen=True, slots=True)
class OptIn(Command):
    pass


@dataclass(frozen=True, slots=True)
class FileRepair(Command):
    """`报修 类别 地点 描述`; empty parts make the handler explain the grammar."""

    category: str = ""
    location: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class MyRepairs(Command):
    pass


@dataclass(frozen=True, slots=True)
class SearchGuide(Command):
    keyword: str = ""


# -- money: top-up (圈存) and fee payments ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class StartTopup(Command):
    """`充值 50`: the amount as typed; the handler validates it and asks for confirmation."""

    amount: str


@dataclass(frozen=True, slots=True)
class StartPayment(Command):
    """`电费 10-305 50`: a fee kind and the rest of the text (target and amount)."""

    kind: str
    args: str


@dataclass(frozen=True, slots=True)
class ConfirmOrder(Command):
    pass


@dataclass(frozen=True, slots=True)
class CancelOrder(Command):
    pass


# -- card alerts (提醒) ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SetSpendingAlert(Command):
    #: As typed: "开", "关" or a least amount ("20").
    args: str = ""


@dataclass(frozen=True, slots=True)
class SetLowBalanceAlert(Command):
    #: "20" or "关".
    args: str = ""


@dataclass(frozen=True, slots=True)
class SetAutoTopup(Command):
    #: "50 低于 20" or "关".
    args: str = ""


@dataclass(frozen=True, slots=True)
class SetDailySummary(Command):
    #: "开" or "关".
    args: str = ""


@dataclass(frozen=True, slots=True)
class ShowAlertSettings(Command):
    pass
