"""The demo account's templates, and what `message/template/send` checks against them.

A campus-card service account picks its templates from WeChat's category library (教育 / 院校);
these twelve are the ones onecard's notices fit. Each key's type is in its name (`amount1`), the
label before it says what it holds, and WeChat shows a sent message as the title and one
`label：value` line per key (`first` and `remark` are accepted and no longer shown).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.wechat.sim_keytypes import refusal

#: Keys of the old template format WeChat still accepts and no longer shows.
LEGACY_KEYS = frozenset({"first", "remark"})
_LINE = re.compile(r"(?P<label>[^:：]*)[:：]\{\{(?P<key>\w+)\.DATA\}\}")


def template_id(title: str) -> str:
    """A template id shaped like WeChat's (43 characters of base64url), the same on every start."""
    digest = hashlib.sha256(f"onecard-demo-template:{title}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class Template:
    template_id: str
    title: str
    content: str
    example: str = ""
    primary_industry: str = "教育"
    deputy_industry: str = "院校"
    #: A `const` key's values WeChat approved for this template.
    approved: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def fields(self) -> list[tuple[str, str]]:
        """(label, key) per line of `content`."""
        return [(m["label"], m["key"]) for line in self.content.split("\n") if (m := _LINE.fullmatch(line.strip()))]

    def listed(self) -> dict[str, Any]:
        """As `template/get_all_private_template` lists it."""
        return {"template_id": self.template_id, "title": self.title, "primary_industry": self.primary_industry,
                "deputy_industry": self.deputy_industry, "content": self.content, "example": self.example}

    def refusal(self, data: Mapping[str, Any]) -> str | None:
        """WeChat's 47003 errmsg for `data`, or None when every key and value is one this template takes."""
        keys = {key for _label, key in self.fields}
        for key, item in data.items():
            if key in LEGACY_KEYS:
                continue
            if key not in keys:
                return f"argument invalid! data.{key} is not a key of template {self.template_id}"
            value = item.get("value") if isinstance(item, dict) else None
            if (why := refusal(key, value, self.approved.get(key, frozenset()))) is not None:
                return f"argument invalid! data.{key}.value {why}"
        return None

    def shown(self, data: Mapping[str, Any]) -> list[list[str]]:
        """[label, value] per line as the phone shows them (a key left out shows blank)."""
        return [[label, str(data.get(key, {}).get("value", ""))] for label, key in self.fields]


def _demo(title: str, lines: list[tuple[str, str, str]]) -> Template:
    """A template from (label, key, example value) per line."""
    return Template(template_id(title), title, "\n".join(f"{label}:{{{{{key}.DATA}}}}" for label, key, _ in lines),
                    "\n".join(f"{label}:{example}" for label, _, example in lines))


DEMO_TEMPLATES = (
    _demo("消费提醒", [("消费金额", "amount1", "12.50元"), ("消费商户", "thing2", "第一食堂"),
                   ("消费时间", "time3", "2026年12月7日 12:30"), ("卡内余额", "amount4", "87.50元")]),
    _demo("余额不足提醒", [("卡内余额", "amount1", "4.20元"), ("提醒时间", "time2", "2026年12月7日 12:30"),
                     ("温馨提示", "thing3", "余额不足，请及时充值")]),
    _demo("交易异常提醒", [("交易金额", "amount1", "200.00元"), ("交易商户", "thing2", "第二超市"),
                     ("交易时间", "time3", "2026年12月7日 23:10"), ("异常原因", "thing4", "挂失卡被刷")]),
    _demo("充值结果通知", [("充值金额", "amount1", "100.00元"), ("充值状态", "phrase2", "充值成功"),
                     ("订单编号", "character_string3", "TU20261207123000001"),
                     ("充值时间", "time4", "2026年12月7日 12:30"), ("卡内余额", "amount5", "187.50元")]),
    _demo("缴费结果通知", [("缴费项目", "thing1", "2026年秋季学期住宿费"), ("缴费金额", "amount2", "1200.00元"),
                     ("缴费状态", "phrase3", "缴费成功"), ("订单编号", "character_string4", "FE20261207123000001"),
                     ("缴费时间", "time5", "2026年12月7日 12:30")]),
    _demo("挂失/解挂通知", [("卡号", "character_string1", "20240001"), ("卡片状态", "phrase2", "已挂失"),
                      ("办理时间", "time3", "2026年12月7日 12:30")]),
    _demo("失物招领通知", [("物品名称", "thing1", "校园卡"), ("存放地点", "thing2", "一卡通服务中心"),
                     ("登记时间", "time3", "2026年12月7日 12:30")]),
    _demo("报修进度通知", [("报修单号", "character_string1", "R20261207001"), ("报修内容", "thing2", "宿舍水表不走字"),
                     ("处理进度", "phrase3", "已派单"), ("更新时间", "time4", "2026年12月7日 12:30")]),
    _demo("借阅到期提醒", [("图书名称", "thing1", "数据结构与算法"), ("到期时间", "time2", "2026年12月7日")]),
    _demo("通知公告", [("公告标题", "thing1", "元旦假期一卡通服务时间调整"),
                   ("发布时间", "time2", "2026年12月7日 12:30")]),
    _demo("消费汇总通知", [("统计日期", "time1", "2026年12月7日"), ("消费金额", "amount2", "36.80元"),
                     ("消费笔数", "number3", "4"), ("卡内余额", "amount4", "87.50元")]),
    _demo("账号解绑通知", [("解绑账号", "character_string1", "20240001"), ("解绑时间", "time2", "2026年12月7日 12:30"),
                     ("解绑原因", "thing3", "本人申请解绑")]),
)


def from_listing(item: Mapping[str, Any]) -> Template:
    """A template a test gives `/_sim/templates`, in the listing's shape (plus `approved` const values)."""
    approved = {str(k): frozenset(map(str, v)) for k, v in dict(item.get("approved") or {}).items()}
    return Template(str(item["template_id"]), str(item["title"]), str(item["content"]), str(item.get("example", "")),
                    str(item.get("primary_industry", "教育")), str(item.get("deputy_industry", "院校")), approved)
