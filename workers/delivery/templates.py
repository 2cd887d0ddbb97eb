"""Which of the account's templates carries each notice kind, and each value shaped to its key's type.

Templates come from WeChat's category library (类目模板): a school picks them in the WeChat
console, and each has its own keys (`thing2`, `amount1`…) with a Chinese label in its content
(`消费金额:{{amount1.DATA}}`). Nothing here is hard-coded to one account: a kind is matched by
title (`events.notices.KINDS`), each key to one of our fields by the ending of its label
(`FIELD_LABELS`), unless a clerk chose otherwise on the back-office's 模板消息 page. Values are
shaped to WeChat's rules per key type (../shared/WECHAT.md), so a valid notice never meets 47003.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from adapters.wechat.port import WeChatApi
from events.campus_time import SHANGHAI
from events.notices import FIELD_LABELS, KINDS, MONEY_FIELDS, AccountTemplate, Field, Notice, NoticeKind
from store import templates as store_templates
from store.uow import UowFactory
from workers.text.format import yuan

_KEY = re.compile(r"([^\n{}]*?)[:：]?\s*\{\{\s*([A-Za-z_]+?)(\d*)\.DATA\s*\}\}")


@dataclass(frozen=True)
class TemplateKey:
    """One key of a template: `amount1`, its type `amount`, and its label `消费金额`."""

    key: str
    type: str
    label: str


def template_keys(template: AccountTemplate) -> list[TemplateKey]:
    """The template's keys in the order its content shows them."""
    return [TemplateKey(f"{kind}{number}", kind.lower(), label.strip().strip("：:").strip())
            for label, kind, number in _KEY.findall(template.content)]


def field_of(label: str) -> Field | None:
    """Which of our fields a template label means: the first whose ending it has."""
    for name, (_shown, endings) in FIELD_LABELS.items():
        if any(label.endswith(ending) for ending in endings):
            return name
    return None


@dataclass(frozen=True)
class Choice:
    """The template a kind goes by, and the field each key is filled from."""

    template: AccountTemplate
    fields: dict[str, Field]
    #: Whether a clerk chose it (the 模板消息 page) rather than the match by title.
    chosen: bool = False

    def key_types(self) -> dict[str, str]:
        return {k.key: k.type for k in template_keys(self.template)}


@dataclass(frozen=True)
class Missing:
    """Why a kind has no usable template, in the words a clerk reads."""

    reason: str


#: Key types whose values we can shape; `const` takes only values WeChat approved for the template.
SHAPED_TYPES = frozenset({"thing", "character_string", "phrase", "number", "letter", "amount", "time", "date",
                          "name", "phone_number", "car_number", "symbol"})


def choose(kind: NoticeKind, templates: Sequence[AccountTemplate],
           chosen: Mapping[str, Any] | None = None) -> Choice | Missing:
    """The template for `kind`: a clerk's choice when there is one, else the first matched by title."""
    spec = KINDS[kind]
    by_id = {t.template_id: t for t in templates}
    if chosen:
        template = by_id.get(str(chosen.get("template_id")))
        if template is None:
            return Missing(f"选定的模板 {chosen.get('template_id')} 已不在公众号的模板库中")
        keys = {str(k): Field(v) for k, v in dict(chosen.get("keys") or {}).items() if v}
        return _fit(kind, template, keys, chosen=True)
    candidates = [t for title in spec.titles for t in templates if t.title == title]
    candidates += [t for t in templates if t not in candidates and any(title in t.title for title in spec.titles)]
    if not candidates:
        return Missing(f"公众号没有标题为「{spec.titles[0]}」的模板")
    problems: list[str] = []
    for template in candidates:
        fit = _fit(kind, template, {}, chosen=False)
        if isinstance(fit, Choice):
            return fit
        problems.append(fit.reason)
    return Missing("；".join(problems))


def _fit(kind: NoticeKind, template: AccountTemplate, given: Mapping[str, Field], *, chosen: bool) -> Choice | Missing:
    spec = KINDS[kind]
    keys = template_keys(template)
    if not keys:
        return Missing(f"模板「{template.title}」的内容里没有字段")
    fields: dict[str, Field] = {}
    for key in keys:
        name = given.get(key.key) or field_of(key.label)
        if name is None or name not in spec.fields:
            return Missing(f"模板「{template.title}」的字段「{key.label}」（{key.key}）没有对应的内容")
        if key.type not in SHAPED_TYPES:
            return Missing(f"模板「{template.title}」的字段「{key.label}」是 {key.type} 类型，只能填微信审定的值")
        fields[key.key] = name
    lacking = [FIELD_LABELS[f][0] for f in spec.required if f not in fields.values()]
    if lacking:
        return Missing(f"模板「{template.title}」缺少{('、'.join(lacking))}")
    return Choice(template, fields, chosen)


# -- values shaped to their key's type -------------------------------------------------------------------

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_NOT_ASCII_PRINTABLE = re.compile(r"[^\x21-\x7e]")


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shape(kind: str, value: int | str | datetime, name: Field) -> str:
    """`value` of our field `name` as a key of type `kind` accepts it."""
    if isinstance(value, datetime):
        moment = value.astimezone(SHANGHAI)
        if kind == "date":
            return moment.strftime("%Y年%m月%d日")
        if kind == "time":
            return moment.strftime("%Y-%m-%d %H:%M")
        text = moment.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, int) and name in MONEY_FIELDS:
        if kind == "amount":
            return f"{yuan(value)}元" if abs(value) < 10**10 else f"{Decimal(value) / 100:.0f}元"
        if kind == "number":
            return yuan(value)
        text = f"{yuan(value)}元"
    else:
        text = str(value)
    if kind in ("thing", "name"):
        return _cut(text, 20 if kind == "thing" else 10)
    if kind in ("character_string", "letter", "symbol", "phone_number", "car_number"):
        limit = {"character_string": 32, "letter": 32, "symbol": 5, "phone_number": 17, "car_number": 8}[kind]
        kept = _NOT_ASCII_PRINTABLE.sub("", text)
        if kind == "letter":
            kept = re.sub(r"[^A-Za-z]", "", kept)
        return kept[:limit]
    if kind == "phrase":
        return "".join(_CHINESE.findall(text))[:5]
    if kind == "number":
        digits = re.sub(r"[^\d.]", "", text)
        return digits[:32]
    if kind == "amount":
        digits = re.sub(r"[^\d.]", "", text)
        return f"{digits[:10]}元" if digits else ""
    if kind in ("time", "date"):
        return text
    return _cut(text, 20)


def render(notice: Notice, choice: Choice) -> dict[str, dict[str, str]]:
    """The `data` of a template send: each key filled from its field; a field the notice lacks, empty."""
    types = choice.key_types()
    data: dict[str, dict[str, str]] = {}
    for key, name in choice.fields.items():
        value = notice.fields.get(name)
        data[key] = {"value": "" if value is None else shape(types[key], value, name)}
    return data


@dataclass
class TemplateBook:
    """The account's templates and the clerks' choices, as read at one moment: what a sender asks."""

    templates: list[AccountTemplate] = field(default_factory=list)
    chosen: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session) -> TemplateBook:
        """The templates as last listed from WeChat and the clerks' choices, from the database only."""
        return cls(store_templates.templates(session), store_templates.choices(session))

    def choice(self, kind: NoticeKind) -> Choice | Missing:
        return choose(kind, self.templates, self.chosen.get(kind.value))

    def missing(self) -> dict[NoticeKind, str]:
        """The kinds without a usable template, and why."""
        return {kind: found.reason for kind in NoticeKind
                if isinstance(found := self.choice(kind), Missing)}


class Templates:
    """The book senders read: from the database, read again after `ttl` seconds (a clerk's choice
    or a new sync reaches every worker within it); listed from WeChat when it was never synced."""

    def __init__(self, uow_factory: UowFactory, wechat: WeChatApi, ttl: float = 30.0) -> None:
        self.uow_factory, self.wechat, self.ttl = uow_factory, wechat, ttl
        self._book: TemplateBook | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def book(self) -> TemplateBook:
        with self._lock:
            if self._book is None or time.monotonic() - self._read_at > self.ttl:
                with self.uow_factory() as uow:
                    book = TemplateBook.read(uow.session)
                if not book.templates:
                    book = sync(self.uow_factory, self.wechat)
                self._book, self._read_at = book, time.monotonic()
            return self._book

    def forget(self) -> None:
        """Read again on the next send (after a sync or a clerk's choice in this process)."""
        with self._lock:
            self._book = None


def sync(uow_factory: UowFactory, wechat: WeChatApi) -> TemplateBook:
    """List the account's templates from WeChat and keep them: the book as it is now."""
    listed = wechat.list_templates()
    with uow_factory() as uow:
        store_templates.replace_templates(uow.session, listed, datetime.now(UTC))
        chosen = store_templates.choices(uow.session)
        uow.commit()
    return TemplateBook(list(listed), chosen)
