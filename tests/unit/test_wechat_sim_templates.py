"""The demo account's templates, and the values each key type takes, at their boundaries."""

from __future__ import annotations

import re

import pytest

from adapters.wechat.sim_keytypes import refusal
from adapters.wechat.sim_templates import DEMO_TEMPLATES, Template, template_id

ACCEPTED = [
    ("thing2", "一" * 20), ("thing2", "Room 101, 2号楼"), ("thing2", ""),
    ("character_string3", "A" * 32), ("character_string3", "TU-2026/12#07_001"),
    ("phrase2", "充值成功"), ("phrase2", "已经完成啦"),
    ("number3", "1" * 32), ("number3", "3.14"), ("number3", "0"),
    ("letter1", "a" * 32), ("letter1", "ABCxyz"),
    ("amount1", "1234567890"), ("amount1", "12345678.90"), ("amount1", "¥12.50"), ("amount1", "￥12"),
    ("amount1", "12.50元"),
    ("time3", "2026年12月7日 12:30"), ("time3", "2026-12-07 12:30"), ("time3", "2026-12-07"), ("time3", "15:01"),
    ("time3", "2026-12-07 12:30:59"), ("time3", "15:01~16:30"), ("time3", "2026年12月7日"),
    ("date2", "2026年2月28日"), ("date2", "2026-12-07"), ("date2", "2026-12-07 08:00"),
]
REFUSED = [
    ("thing2", "一" * 21),
    ("character_string3", "A" * 33), ("character_string3", "单号123"), ("character_string3", "TU 001"),
    ("phrase2", "已经完成了吧"), ("phrase2", "ok"), ("phrase2", "成功!"),
    ("number3", "1" * 33), ("number3", "1,000"), ("number3", "-1"),
    ("letter1", "a" * 33), ("letter1", "abc1"),
    ("amount1", "12345678901"), ("amount1", "12.50 元"), ("amount1", "¥12元"), ("amount1", "-3.00"),
    ("amount1", "十二元"),
    ("time3", "2026-02-30"), ("time3", "25:00"), ("time3", "12:60"), ("time3", "2026-12-0712:30"),
    ("time3", "昨天"), ("time3", "1:00~2:00~3:00"),
    ("date2", "15:01"),
    ("const1", "任何值"),
]


@pytest.mark.parametrize(("key", "value"), ACCEPTED)
def test_a_value_that_fits_its_key_type_is_accepted(key: str, value: str) -> None:
    assert refusal(key, value) is None


@pytest.mark.parametrize(("key", "value"), REFUSED)
def test_a_value_that_breaks_its_key_type_is_refused(key: str, value: str) -> None:
    assert refusal(key, value) is not None


def test_a_value_must_be_a_string_and_a_const_only_an_approved_one() -> None:
    assert refusal("amount1", 12.5) == "must be a string"
    assert refusal("const1", "已完成", approved={"已完成"}) is None


def test_the_demo_account_has_twelve_templates_with_wechat_shaped_ids() -> None:
    assert len(DEMO_TEMPLATES) == 12
    ids = [t.template_id for t in DEMO_TEMPLATES]
    assert len(set(ids)) == 12
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", i) for i in ids)
    assert template_id("消费提醒") == ids[0]  # the same on every start


def test_the_content_reads_as_wechats_labels_and_keys() -> None:
    spending = next(t for t in DEMO_TEMPLATES if t.title == "消费提醒")
    assert spending.content == ("消费金额:{{amount1.DATA}}\n消费商户:{{thing2.DATA}}\n消费时间:{{time3.DATA}}\n"
                                "卡内余额:{{amount4.DATA}}")
    assert spending.fields == [("消费金额", "amount1"), ("消费商户", "thing2"), ("消费时间", "time3"),
                               ("卡内余额", "amount4")]


def test_every_demo_example_fits_its_own_template() -> None:
    for t in DEMO_TEMPLATES:
        values = dict(line.split(":", 1) for line in t.example.split("\n"))
        data = {key: {"value": values[label]} for label, key in t.fields}
        assert t.refusal(data) is None, t.title


def test_a_key_the_template_lacks_is_refused_but_first_and_remark_pass_unshown() -> None:
    notice = next(t for t in DEMO_TEMPLATES if t.title == "通知公告")
    assert "data.content" in (notice.refusal({"content": {"value": "x"}}) or "")
    data = {"first": {"value": "旧格式"}, "thing1": {"value": "停水通知"}, "remark": {"value": "旧格式"}}
    assert notice.refusal(data) is None
    assert notice.shown(data) == [["公告标题", "停水通知"], ["发布时间", ""]]


def test_the_refusal_names_the_key_whose_value_is_wrong() -> None:
    t = Template("t", "t", "金额:{{amount1.DATA}}\n商户:{{thing2.DATA}}")
    assert t.refusal({"amount1": {"value": "1.00"}, "thing2": {"value": "x" * 21}}) == (
        "argument invalid! data.thing2.value longer than 20")
    assert "data.amount1.value" in (t.refusal({"amount1": "1.00"}) or "")
