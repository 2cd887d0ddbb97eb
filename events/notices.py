"""Notices: what must reach a student whether or not they spoke to us lately, and what each says.

A notice is sent as a customer-service message while a grant of WeChat's lasts, otherwise as the
account's template for its kind (`workers.delivery.templates`). Its fields are typed values (fen,
a UTC time, text), shaped to a template key's type only when the template is known: the same
notice fits whatever template a school picked from WeChat's category library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Field(StrEnum):
    """What one line of a notice holds. A template key is matched to a field by its Chinese label."""

    AMOUNT = "amount"
    BALANCE = "balance"
    MERCHANT = "merchant"
    TIME = "time"
    ORDER_NO = "order_no"
    STATUS = "status"
    PLACE = "place"
    ITEM = "item"
    TITLE = "title"
    REASON = "reason"
    CARD_NO = "card_no"
    ACCOUNT = "account"
    COUNT = "count"


#: Each field's Chinese name (as a clerk reads it on the 模板消息 page) and the endings of template
#: labels that mean it, most specific first: "卡内余额" ends with "余额", "订单编号" with "编号".
FIELD_LABELS: dict[Field, tuple[str, tuple[str, ...]]] = {
    Field.BALANCE: ("余额", ("余额",)),
    Field.AMOUNT: ("金额", ("金额", "费用", "总额")),
    Field.MERCHANT: ("商户", ("商户", "商家", "消费地点", "交易地点", "终端")),
    Field.TIME: ("时间", ("时间", "日期")),
    Field.ORDER_NO: ("订单号", ("订单号", "订单编号", "单号", "流水号", "编号")),
    Field.STATUS: ("状态", ("状态", "进度", "结果")),
    Field.PLACE: ("地点", ("地点", "地址", "位置")),
    Field.ITEM: ("项目", ("项目", "名称", "物品", "书名", "类型")),
    Field.TITLE: ("标题", ("标题", "主题")),
    Field.REASON: ("说明", ("原因", "提示", "说明", "内容", "备注", "详情")),
    Field.CARD_NO: ("卡号", ("卡号",)),
    Field.ACCOUNT: ("账号", ("账号", "学号", "工号")),
    Field.COUNT: ("笔数", ("笔数", "数量", "次数")),
}

#: Fields holding money (integer fen) and times (aware UTC datetimes); every other field is text.
MONEY_FIELDS = frozenset({Field.AMOUNT, Field.BALANCE})
TIME_FIELDS = frozenset({Field.TIME})


class NoticeKind(StrEnum):
    SPENDING = "spending"
    LOW_BALANCE = "low_balance"
    SUSPICIOUS = "suspicious"
    TOPUP = "topup"
    FEE = "fee"
    CARD_STATUS = "card_status"
    LOST_FOUND = "lost_found"
    REPAIR = "repair"
    LOAN_DUE = "loan_due"
    ANNOUNCEMENT = "announcement"
    SUMMARY = "summary"
    UNBOUND = "unbound"


@dataclass(frozen=True)
class KindSpec:
    """How a school would title the template for a kind, and what the notice carries."""

    #: Shown to clerks and students; also the first title a template is matched by.
    name: str
    #: Titles of category-library templates that fit, best first (matched exactly, then by containment).
    titles: tuple[str, ...]
    #: Fields every notice of the kind carries: a template must not ask for others.
    fields: tuple[Field, ...]
    #: Fields without which the template is no use to the student.
    required: tuple[Field, ...]


KINDS: dict[NoticeKind, KindSpec] = {
    NoticeKind.SPENDING: KindSpec("消费提醒", ("消费提醒", "消费通知", "交易提醒", "校园卡消费提醒"),
                                  (Field.AMOUNT, Field.MERCHANT, Field.TIME, Field.BALANCE, Field.COUNT),
                                  (Field.AMOUNT, Field.TIME)),
    NoticeKind.LOW_BALANCE: KindSpec("余额不足提醒", ("余额不足提醒", "余额提醒", "余额不足通知"),
                                     (Field.BALANCE, Field.TIME, Field.REASON, Field.CARD_NO), (Field.BALANCE,)),
    NoticeKind.SUSPICIOUS: KindSpec("交易异常提醒", ("交易异常提醒", "可疑交易提醒", "异常消费提醒", "账户异常提醒"),
                                    (Field.AMOUNT, Field.MERCHANT, Field.TIME, Field.REASON, Field.BALANCE),
                                    (Field.AMOUNT, Field.TIME)),
    NoticeKind.TOPUP: KindSpec("充值结果通知", ("充值结果通知", "充值成功通知", "充值通知", "充值到账通知"),
                               (Field.AMOUNT, Field.STATUS, Field.ORDER_NO, Field.TIME, Field.BALANCE, Field.REASON),
                               (Field.AMOUNT, Field.STATUS)),
    NoticeKind.FEE: KindSpec("缴费结果通知", ("缴费结果通知", "缴费成功通知", "缴费通知", "缴费提醒"),
                             (Field.ITEM, Field.AMOUNT, Field.STATUS, Field.ORDER_NO, Field.TIME, Field.BALANCE,
                              Field.REASON),
                             (Field.AMOUNT, Field.STATUS)),
    NoticeKind.CARD_STATUS: KindSpec("挂失/解挂通知", ("挂失/解挂通知", "挂失解挂通知", "挂失通知", "卡片状态变更通知",
                                                  "校园卡状态变更通知"),
                                     (Field.CARD_NO, Field.STATUS, Field.TIME, Field.REASON, Field.ACCOUNT),
                                     (Field.STATUS,)),
    NoticeKind.LOST_FOUND: KindSpec("失物招领通知", ("失物招领通知", "失物招领提醒", "物品招领通知", "拾物通知"),
                                    (Field.ITEM, Field.PLACE, Field.TIME, Field.REASON, Field.CARD_NO),
                                    (Field.PLACE,)),
    NoticeKind.REPAIR: KindSpec("报修进度通知", ("报修进度通知", "报修处理通知", "维修进度通知", "工单进度通知"),
                                (Field.ORDER_NO, Field.ITEM, Field.REASON, Field.STATUS, Field.TIME),
                                (Field.STATUS,)),
    NoticeKind.LOAN_DUE: KindSpec("借阅到期提醒", ("借阅到期提醒", "图书到期提醒", "还书提醒", "借阅提醒"),
                                  (Field.ITEM, Field.TIME, Field.REASON), (Field.ITEM, Field.TIME)),
    NoticeKind.ANNOUNCEMENT: KindSpec("通知公告", ("通知公告", "公告通知", "通知提醒", "校园通知"),
                                      (Field.TITLE, Field.TIME, Field.REASON, Field.ITEM), (Field.TITLE,)),
    NoticeKind.SUMMARY: KindSpec("消费汇总通知", ("消费汇总通知", "每日账单", "账单提醒", "消费账单通知"),
                                 (Field.TIME, Field.AMOUNT, Field.COUNT, Field.BALANCE, Field.REASON),
                                 (Field.AMOUNT,)),
    NoticeKind.UNBOUND: KindSpec("账号解绑通知", ("账号解绑通知", "解绑通知", "解除绑定通知"),
                                 (Field.ACCOUNT, Field.TIME, Field.REASON), (Field.TIME,)),
}


@dataclass(frozen=True)
class AccountTemplate:
    """One of the account's templates as WeChat's `template/get_all_private_template` lists it: its
    `content` names each key with a label (`消费金额:{{amount1.DATA}}`)."""

    template_id: str
    title: str
    content: str
    example: str = ""


@dataclass(frozen=True)
class Notice:
    """One notice to one student: its kind, its typed fields, its text as a customer-service
    message, and the page it links to (a path under the web app, e.g. `/m/bill`)."""

    kind: NoticeKind
    text: str
    fields: dict[Field, int | str | datetime] = field(default_factory=dict)
    link: str = ""

    def to_json(self) -> dict[str, Any]:
        """Stored with the outbound message, so a template can still be chosen when it is sent."""
        values = {f.value: (v.isoformat() if isinstance(v, datetime) else v) for f, v in self.fields.items()}
        return {"kind": self.kind.value, "text": self.text, "fields": values, "link": self.link}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        fields: dict[Field, int | str | datetime] = {}
        for key, value in dict(data.get("fields") or {}).items():
            name = Field(key)
            fields[name] = datetime.fromisoformat(value) if name in TIME_FIELDS else (
                int(value) if name in MONEY_FIELDS else str(value))
        return cls(NoticeKind(data["kind"]), str(data.get("text", "")), fields, str(data.get("link", "")))
