"""The samples a clerk previews fit WeChat's key types, and each kind's template reads as a clerk reads it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backoffice.labels import describe_change, describe_target
from events.notices import KINDS, NoticeKind
from tests.wechat_templates import DEMO, without
from workers.delivery.samples import sample, shown
from workers.delivery.template_report import report, wanted
from workers.delivery.templates import Choice, TemplateBook, template_keys

NOW = datetime(2026, 12, 8, 4, 30, tzinfo=UTC)
#: What WeChat accepts per key type (../shared/WECHAT.md), for the types the demo account uses.
VALID = {
    "thing": re.compile(r".{1,20}"), "phrase": re.compile(r"[\u4e00-\u9fff]{1,5}"),
    "character_string": re.compile(r"[\x21-\x7e]{1,32}"), "number": re.compile(r"[\d.]{1,32}"),
    "amount": re.compile(r"\d{1,10}(\.\d{1,2})?元"), "time": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"),
    "date": re.compile(r"\d{4}年\d\d月\d\d日"),
}


def test_the_demo_account_has_a_template_for_every_kind_matched_by_title_and_label() -> None:
    reports = report(TemplateBook(DEMO, {}))
    assert [r.kind for r in reports] == list(NoticeKind)
    assert [(r.name, r.reason) for r in reports if r.choice is None] == []
    assert all(not r.chosen for r in reports)


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_sample_fills_its_template_within_wechats_rules(kind: NoticeKind) -> None:
    choice = TemplateBook(DEMO, {}).choice(kind)
    assert isinstance(choice, Choice)
    seen = shown(sample(kind, NOW), choice)
    assert seen.title == KINDS[kind].name
    types = {k.key: k.type for k in template_keys(choice.template)}
    assert [label for label, _ in seen.lines] == [k.label for k in template_keys(choice.template)]
    for key, value in seen.data.items():
        assert VALID[types[key]].fullmatch(value["value"]), (key, value)


def test_a_long_merchant_is_cut_where_the_phone_would_cut_it() -> None:
    choice = TemplateBook(DEMO, {}).choice(NoticeKind.SPENDING)
    assert isinstance(choice, Choice)
    lines = dict(shown(sample(NoticeKind.SPENDING, NOW), choice).lines)
    assert lines["消费金额"] == "1288.50元" and lines["卡内余额"] == "32.60元"
    assert len(lines["消费商户"]) == 20 and lines["消费商户"].endswith("…")
    assert lines["消费时间"] == "2026-12-08 12:30"  # Shanghai time


def test_a_kind_without_its_template_says_why_and_what_to_add() -> None:
    [low] = [r for r in report(TemplateBook(without("余额不足提醒"), {})) if r.kind is NoticeKind.LOW_BALANCE]
    assert low.choice is None and "余额不足提醒" in low.reason and low.rows == []
    assert wanted(NoticeKind.LOW_BALANCE) == ("标题「余额不足提醒」（或：余额提醒、余额不足通知）；必须有字段：余额；"
                                              "可以有：时间、说明、卡号")


def test_a_clerks_choice_shows_as_such_with_the_fields_they_gave() -> None:
    chosen = {"loan_due": {"template_id": "TPL_announcement_10", "keys": {"thing1": "item"}}}
    [loan] = [r for r in report(TemplateBook(DEMO, chosen)) if r.kind is NoticeKind.LOAN_DUE]
    assert loan.chosen and loan.choice is not None and loan.choice.template.title == "通知公告"
    assert [(k.label, k.key, k.field_name) for k in loan.rows] == [
        ("通知标题", "thing1", "项目"), ("发布时间", "time2", "时间"), ("通知内容", "thing3", "说明")]


def test_the_audit_log_reads_a_template_choice_in_chinese() -> None:
    before = {"automatic": True, "template_id": "TPL_repair_08", "title": "报修进度通知", "keys": {}}
    after = {"automatic": False, "template_id": "TPL_announcement_10", "title": "通知公告",
             "keys": {"thing1": "item", "thing3": "reason"}}
    assert describe_change("template chosen", before, after) == [
        ("匹配方式", "自动匹配", "人工选定"), ("模板编号", "TPL_repair_08", "TPL_announcement_10"),
        ("标题", "报修进度通知", "通知公告"), ("字段对应", "（空）", "thing1 → 项目；thing3 → 说明")]
    assert describe_target("template chosen", "repair") == "报修进度通知"
    assert describe_change("templates synced", None, {"count": 2, "titles": ["消费提醒", "通知公告"]}) == [
        ("条数", "", "2"), ("模板", "", "消费提醒、通知公告")]


def test_the_guide_for_schools_names_every_kinds_title() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "templates.md").read_text(encoding="utf-8")
    for spec in KINDS.values():
        assert f"「{spec.titles[0]}」" in guide, spec.titles[0]
