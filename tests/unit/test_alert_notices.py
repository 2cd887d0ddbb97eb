"""An alert's notice keeps what happened as it is (fen, the whole merchant name, a UTC time) and
its template gets it shaped to each key's type: a long merchant name or a large amount must not
make WeChat refuse the template (47003)."""

from __future__ import annotations

from datetime import timedelta

from events.notices import KINDS, AccountTemplate, Field, Notice, NoticeKind
from tests.unit.fakes import NOW
from workers.alerts import messages
from workers.delivery.templates import Choice, choose, render

LONG_MERCHANT = "北校区第二学生食堂二楼清真风味窗口（原三号档口）"
SPENDING_TEMPLATE = AccountTemplate("tpl-spend", "消费提醒", "消费金额:{{amount1.DATA}}\n消费商户:{{thing2.DATA}}\n"
                                                         "消费时间:{{time3.DATA}}\n卡内余额:{{amount4.DATA}}\n"
                                                         "消费笔数:{{number5.DATA}}")


def _rendered(notice: Notice, template: AccountTemplate) -> dict[str, str]:
    choice = choose(notice.kind, [template])
    assert isinstance(choice, Choice), choice
    return {key: value["value"] for key, value in render(Notice.from_json(notice.to_json()), choice).items()}


def test_a_swipe_keeps_the_whole_merchant_name_and_its_template_a_thing_of_twenty_characters() -> None:
    notice = messages.spending([messages.swipe(-1250, LONG_MERCHANT, 8750, NOW)])
    assert notice.fields[Field.MERCHANT] == LONG_MERCHANT and LONG_MERCHANT in notice.text
    assert notice.fields[Field.AMOUNT] == 1250 and notice.fields[Field.BALANCE] == 8750
    shown = _rendered(notice, SPENDING_TEMPLATE)
    assert len(shown["thing2"]) == 20 and shown["thing2"].endswith("…") and shown["thing2"].startswith("北校区第二")
    assert {key: shown[key] for key in ("amount1", "time3", "amount4", "number5")} == {
        "amount1": "12.50元", "time3": "2026-11-25 16:00", "amount4": "87.50元", "number5": "1"}


def test_large_amounts_stay_integer_fen_and_fit_an_amount_key() -> None:
    notice = messages.spending([messages.swipe(-1_234_567_890, "一食堂", 99_999_999_999, NOW)])
    assert notice.to_json()["fields"]["amount"] == 1_234_567_890  # fen, never a float
    assert Notice.from_json(notice.to_json()).fields[Field.BALANCE] == 99_999_999_999
    shown = _rendered(notice, SPENDING_TEMPLATE)
    assert shown["amount1"] == "12345678.90元" and shown["amount4"] == "1000000000元"
    assert "12345678.90 元" in notice.text


def test_a_batch_of_swipes_is_one_notice_with_their_total_count_and_merchants_once_each() -> None:
    swipes = [messages.swipe(-500, "一食堂", 9500, NOW), messages.swipe(-300, "超市", 9200, NOW + timedelta(seconds=9)),
              messages.swipe(-200, "一食堂", 9000, NOW + timedelta(seconds=20))]
    notice = messages.spending(swipes)
    assert notice.fields == {Field.AMOUNT: 1000, Field.MERCHANT: "一食堂、超市", Field.BALANCE: 9000, Field.COUNT: 3,
                             Field.TIME: NOW + timedelta(seconds=20)}
    assert notice.text == ("【消费提醒】\n您的校园卡刚刚有 3 笔消费：11-25 16:00 一食堂 5.00 元；"
                           "11-25 16:00 超市 3.00 元；11-25 16:00 一食堂 2.00 元，余额 90.00 元。")


def test_every_alert_carries_only_fields_its_kind_declares_and_all_it_requires() -> None:
    alerts = [messages.spending([messages.swipe(-100, "一食堂", 900, NOW)]),
              messages.low_balance(900, 2000, "C0001", NOW),
              messages.suspicious("amount", "单笔一食堂消费 400.00 元", 40000, "一食堂", 100, NOW),
              messages.topup_ordered(5000, 2000, 1500, "T20261125000001", NOW),
              messages.topup_refused(5000, 2000, 1500, "银行系统维护中，请明天再试。", NOW),
              messages.summary([(1200, "一食堂")], 8800, NOW), messages.summary([], None, NOW)]
    for notice in alerts:
        spec = KINDS[notice.kind]
        assert set(notice.fields) <= set(spec.fields) and set(spec.required) <= set(notice.fields), notice.kind
        assert notice.text.startswith("【") and notice.link.startswith("/m/")


def test_short_fields_fit_the_strictest_key_types() -> None:
    """A status is a `phrase` (at most 5 Chinese characters); a reason usually a `thing` (20)."""
    ordered = messages.topup_ordered(5000, 2000, 1500, "T20261125000001", NOW)
    refused = messages.topup_refused(5000, 2000, 1500, "银行系统维护中，请明天再试。", NOW)
    assert ordered.kind is NoticeKind.TOPUP and [ordered.fields[Field.STATUS], refused.fields[Field.STATUS]] == [
        "已提交", "未执行"]
    for rule, label in messages.RULE_LABELS.items():
        notice = messages.suspicious(rule, "详情", 100, "一食堂", 900, NOW)
        assert notice.fields[Field.REASON] == label and len(label) <= 20
    low = messages.low_balance(900, 2000, "C0001", NOW)
    assert low.fields[Field.REASON] == "已低于您设置的 20.00 元" and len(str(low.fields[Field.REASON])) <= 20


def test_the_back_office_names_alert_kinds_as_their_notices_except_automatic_top_up() -> None:
    assert messages.KIND_LABELS == {"spending": "消费提醒", "low_balance": "余额不足提醒", "suspicious": "交易异常提醒",
                                    "autotopup": "自动充值", "summary": "消费汇总通知"}
