"""Values shaped to their key's type, and templates matched by title and label, as WeChat's category
library writes them (../shared/WECHAT.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.notices import AccountTemplate, Field, Notice, NoticeKind
from workers.delivery.templates import Choice, Missing, TemplateBook, choose, field_of, render, shape, template_keys

AT = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai
SPENDING = AccountTemplate("t-spend", "消费提醒",
                           "消费金额:{{amount1.DATA}}\n消费商户:{{thing2.DATA}}\n消费时间:{{time3.DATA}}\n"
                           "卡内余额:{{amount4.DATA}}")
TOPUP = AccountTemplate("t-topup", "充值结果通知",
                        "充值金额：{{amount1.DATA}}\n充值状态：{{phrase2.DATA}}\n订单编号：{{character_string3.DATA}}\n"
                        "充值时间：{{time4.DATA}}")


def test_keys_are_read_with_their_labels_and_types() -> None:
    assert [(k.key, k.type, k.label) for k in template_keys(TOPUP)] == [
        ("amount1", "amount", "充值金额"), ("phrase2", "phrase", "充值状态"),
        ("character_string3", "character_string", "订单编号"), ("time4", "time", "充值时间")]


@pytest.mark.parametrize(("label", "field"), [
    ("消费金额", Field.AMOUNT), ("卡内余额", Field.BALANCE), ("消费商户", Field.MERCHANT), ("订单编号", Field.ORDER_NO),
    ("报修单号", Field.ORDER_NO), ("处理进度", Field.STATUS), ("存放地点", Field.PLACE), ("图书名称", Field.ITEM),
    ("公告标题", Field.TITLE), ("温馨提示", Field.REASON), ("统计日期", Field.TIME), ("消费笔数", Field.COUNT),
    ("解绑账号", Field.ACCOUNT), ("卡号", Field.CARD_NO), ("天气", None),
])
def test_a_label_means_one_of_our_fields(label: str, field: Field | None) -> None:
    assert field_of(label) is field


def test_a_kind_is_matched_by_title_and_each_key_by_its_label() -> None:
    found = choose(NoticeKind.SPENDING, [TOPUP, SPENDING])
    assert isinstance(found, Choice) and found.template is SPENDING
    assert found.fields == {"amount1": Field.AMOUNT, "thing2": Field.MERCHANT, "time3": Field.TIME,
                            "amount4": Field.BALANCE}


def test_a_missing_template_says_so_in_chinese() -> None:
    found = choose(NoticeKind.LOAN_DUE, [SPENDING])
    assert isinstance(found, Missing) and "借阅到期提醒" in found.reason
    assert set(TemplateBook([SPENDING, TOPUP]).missing()) == set(NoticeKind) - {NoticeKind.SPENDING, NoticeKind.TOPUP}


def test_a_template_with_a_key_we_cannot_fill_is_not_used() -> None:
    odd = AccountTemplate("t-odd", "消费提醒", "消费金额:{{amount1.DATA}}\n天气:{{thing2.DATA}}")
    assert isinstance(choose(NoticeKind.SPENDING, [odd]), Missing)


def test_a_clerks_choice_wins_over_the_match() -> None:
    odd = AccountTemplate("t-odd", "校园卡动态",
                          "金额变动:{{amount1.DATA}}\n发生地点:{{thing2.DATA}}\n时间:{{time3.DATA}}")
    chosen = {"template_id": "t-odd", "keys": {"amount1": "amount", "thing2": "merchant"}}
    found = choose(NoticeKind.SPENDING, [SPENDING, odd], chosen)
    assert isinstance(found, Choice) and found.template is odd and found.chosen
    assert found.fields["thing2"] is Field.MERCHANT


def test_values_are_shaped_to_their_types() -> None:
    assert shape("amount", 1250, Field.AMOUNT) == "12.50元"
    assert shape("amount", 123456789, Field.AMOUNT) == "1234567.89元"
    assert shape("thing", "北京市海淀区学院路第一食堂二楼清真风味窗口第三档口", Field.MERCHANT) == \
        "北京市海淀区学院路第一食堂二楼清真风味…"
    assert len(shape("thing", "x" * 40, Field.MERCHANT)) == 20
    assert shape("character_string", "WX20261207订单0001", Field.ORDER_NO) == "WX202612070001"
    assert shape("phrase", "成功", Field.STATUS) == "成功"
    assert shape("phrase", "已退回（银行）", Field.STATUS) == "已退回银行"
    assert shape("time", AT, Field.TIME) == "2026-12-07 12:30"
    assert shape("date", AT, Field.TIME) == "2026年12月07日"
    assert shape("number", "3", Field.COUNT) == "3"


def test_a_notice_renders_into_the_templates_keys() -> None:
    found = choose(NoticeKind.TOPUP, [TOPUP])
    assert isinstance(found, Choice)
    notice = Notice(NoticeKind.TOPUP, "充值成功", {Field.AMOUNT: 5000, Field.STATUS: "成功",
                                                   Field.ORDER_NO: "T202612070001", Field.TIME: AT,
                                                   Field.BALANCE: 8000})
    assert render(notice, found) == {"amount1": {"value": "50.00元"}, "phrase2": {"value": "成功"},
                                     "character_string3": {"value": "T202612070001"},
                                     "time4": {"value": "2026-12-07 12:30"}}
