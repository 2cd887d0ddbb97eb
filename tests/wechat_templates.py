"""An account's templates written the way WeChat writes them, and a WeChat that lists them and takes sends.

`DEMO` is one template per notice kind as a school would pick them from WeChat's category library
(title, keys typed by their letters, a label before each key), so the match by title and label is
exercised on WeChat's own shapes, not on ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.wechat.port import TemplateRefused, Undeliverable
from events.errors import TransientError
from events.notices import AccountTemplate


def _t(template_id: str, title: str, *lines: str) -> AccountTemplate:
    return AccountTemplate(template_id, title, "\n".join(lines))


DEMO = [
    _t("TPL_spending_01", "消费提醒", "消费金额:{{amount1.DATA}}", "消费商户:{{thing2.DATA}}",
       "消费时间:{{time3.DATA}}", "卡内余额:{{amount4.DATA}}"),
    _t("TPL_low_balance_02", "余额不足提醒", "卡内余额:{{amount1.DATA}}", "提醒时间:{{time2.DATA}}",
       "温馨提示:{{thing3.DATA}}"),
    _t("TPL_suspicious_03", "交易异常提醒", "交易金额:{{amount1.DATA}}", "交易地点:{{thing2.DATA}}",
       "交易时间:{{time3.DATA}}", "异常原因:{{thing4.DATA}}"),
    _t("TPL_topup_04", "充值结果通知", "充值金额:{{amount1.DATA}}", "充值结果:{{phrase2.DATA}}",
       "订单编号:{{character_string3.DATA}}", "充值时间:{{time4.DATA}}"),
    _t("TPL_fee_05", "缴费结果通知", "缴费项目:{{thing1.DATA}}", "缴费金额:{{amount2.DATA}}",
       "缴费状态:{{phrase3.DATA}}", "缴费时间:{{time4.DATA}}"),
    _t("TPL_card_status_06", "挂失/解挂通知", "卡号:{{character_string1.DATA}}", "卡片状态:{{phrase2.DATA}}",
       "办理时间:{{time3.DATA}}"),
    _t("TPL_lost_found_07", "失物招领通知", "物品名称:{{thing1.DATA}}", "存放地点:{{thing2.DATA}}",
       "拾获时间:{{time3.DATA}}"),
    _t("TPL_repair_08", "报修进度通知", "工单编号:{{character_string1.DATA}}", "报修项目:{{thing2.DATA}}",
       "处理进度:{{phrase3.DATA}}", "更新时间:{{time4.DATA}}"),
    _t("TPL_loan_due_09", "借阅到期提醒", "书名:{{thing1.DATA}}", "到期时间:{{time2.DATA}}",
       "温馨提示:{{thing3.DATA}}"),
    _t("TPL_announcement_10", "通知公告", "通知标题:{{thing1.DATA}}", "发布时间:{{time2.DATA}}",
       "通知内容:{{thing3.DATA}}"),
    _t("TPL_summary_11", "消费汇总通知", "统计日期:{{date1.DATA}}", "消费总额:{{amount2.DATA}}",
       "消费笔数:{{number3.DATA}}"),
    _t("TPL_unbound_12", "账号解绑通知", "解绑账号:{{character_string1.DATA}}", "解绑时间:{{time2.DATA}}",
       "解绑原因:{{thing3.DATA}}"),
]

#: A category-library template no label of ours fits (维修人员 names a person): a clerk cannot use it for 报修.
ODD = _t("TPL_odd_13", "维修派单通知", "工单编号:{{character_string1.DATA}}", "维修人员:{{name2.DATA}}",
         "派单时间:{{time3.DATA}}")


def without(title: str) -> list[AccountTemplate]:
    """The demo account lacking the template titled `title`."""
    return [t for t in DEMO if t.title != title]


@dataclass
class FakeWeChat:
    """Lists `templates`; records each template send, or answers with `refuse` (an errcode, or
    "down" for a WeChat that cannot be reached)."""

    templates: list[AccountTemplate] = field(default_factory=lambda: list(DEMO))
    refuse: int | str | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)

    def list_templates(self) -> list[AccountTemplate]:
        if self.refuse == "down":
            raise TransientError("WeChat template/get_all_private_template: ConnectionError")
        return list(self.templates)

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None,
                      client_msg_id: str | None = None) -> None:
        if self.refuse == "down":
            raise TransientError("WeChat message/template/send: ConnectionError")
        if isinstance(self.refuse, int):
            error = Undeliverable if self.refuse in (43101, 43004, 40003) else TemplateRefused
            raise error(self.refuse, "refused by the fake")
        self.sent.append({"touser": openid, "template_id": template_id, "data": data, "url": url})

    def send_text(self, openid: str, text: str) -> None:
        raise AssertionError("a template test never sends text")

    def create_menu(self, menu: dict[str, Any]) -> None:
        raise AssertionError("not used here")
