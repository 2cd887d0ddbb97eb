"""Each notice kind's template as a person reads it: the 模板消息 page and `onecard templates check`.

Both show the same thing (which template, which of our fields each key holds, or why there is
none, and what a school would add in the WeChat console), so it is worked out once, here, in Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from events.notices import FIELD_LABELS, KINDS, AccountTemplate, Field, NoticeKind
from workers.delivery.templates import Choice, Missing, TemplateBook, field_of, template_keys

#: WeChat's key types (the letters of `amount1`) and the values each takes (../shared/WECHAT.md).
TYPE_NAMES = {
    "thing": "文字（20 字以内）", "character_string": "字母数字（32 位以内）", "phrase": "汉字短语（5 字以内）",
    "number": "数字", "letter": "字母", "amount": "金额", "time": "时间", "date": "日期", "name": "姓名（10 字以内）",
    "phone_number": "电话号码", "car_number": "车牌号", "symbol": "符号", "const": "固定值（只能填微信审定的值）",
}


def type_name(key_type: str) -> str:
    return TYPE_NAMES.get(key_type, f"其他类型（{key_type}）")


def field_name(name: Field | None) -> str:
    """Our field as a clerk reads it; "" for none."""
    return FIELD_LABELS[name][0] if name is not None else ""


@dataclass(frozen=True)
class KeyRow:
    """One key of a template: its label, key and type, and the field of ours it holds (None: none fits)."""

    label: str
    key: str
    type: str
    field: Field | None

    @property
    def type_name(self) -> str:
        return type_name(self.type)

    @property
    def field_name(self) -> str:
        return field_name(self.field)


def key_rows(template: AccountTemplate, fields: Mapping[str, Field] | None = None) -> list[KeyRow]:
    """The template's keys with the field each holds: as given, else as its label says."""
    given = fields or {}
    return [KeyRow(k.label, k.key, k.type, given.get(k.key) or field_of(k.label)) for k in template_keys(template)]


@dataclass(frozen=True)
class KindReport:
    """A notice kind and its template, or the reason it has none."""

    kind: NoticeKind
    choice: Choice | None
    reason: str

    @property
    def name(self) -> str:
        return KINDS[self.kind].name

    @property
    def rows(self) -> list[KeyRow]:
        return key_rows(self.choice.template, self.choice.fields) if self.choice else []

    @property
    def chosen(self) -> bool:
        """A clerk's choice rather than the match by title."""
        return self.choice is not None and self.choice.chosen


def report(book: TemplateBook) -> list[KindReport]:
    """Every notice kind, in the order `NoticeKind` lists them."""
    out = []
    for kind in NoticeKind:
        found = book.choice(kind)
        out.append(KindReport(kind, None, found.reason) if isinstance(found, Missing) else KindReport(kind, found, ""))
    return out


def wanted(kind: NoticeKind) -> str:
    """What a school adds in the WeChat console for `kind` to match without a clerk's help."""
    spec = KINDS[kind]
    others = f"（或：{'、'.join(spec.titles[1:])}）" if spec.titles[1:] else ""
    required = "、".join(field_name(f) for f in spec.required)
    optional = "、".join(field_name(f) for f in spec.fields if f not in spec.required)
    return (f"标题「{spec.titles[0]}」{others}；必须有字段：{required}" + (f"；可以有：{optional}" if optional else ""))
