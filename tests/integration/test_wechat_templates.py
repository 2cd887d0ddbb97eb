"""Template messages as the WeChat API simulator takes them, met through the real client over HTTP:
checked against the account's templates, each value against its key's type, delivered once per client_msg_id."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from adapters.wechat import sim_template_api
from adapters.wechat.port import TemplateRefused, Undeliverable, WeChatApi
from adapters.wechat.sim_template_api import REPEAT_WINDOW_SECONDS
from adapters.wechat.sim_templates import DEMO_TEMPLATES
from tests.harness import Stack, new_openid

NOTICE = next(t for t in DEMO_TEMPLATES if t.title == "通知公告")
SPENDING = next(t for t in DEMO_TEMPLATES if t.title == "消费提醒")
TOPUP = next(t for t in DEMO_TEMPLATES if t.title == "充值结果通知")


@pytest.fixture
def wechat(stack: Stack) -> WeChatApi:
    return stack.platform.wechat


def _refusals(stack: Stack, openid: str) -> list[tuple[str, int]]:
    answer = requests.get(f"{stack.wechat_sim}/_sim/refusals", params={"touser": openid}, timeout=10)
    return [(r["api"], r["errcode"]) for r in answer.json()]


def test_the_accounts_templates_are_listed_through_the_client(stack: Stack, wechat: WeChatApi) -> None:
    listed = wechat.list_templates()
    assert [t.title for t in listed] == [t.title for t in DEMO_TEMPLATES]
    spending = next(t for t in listed if t.title == "消费提醒")
    assert spending.template_id == SPENDING.template_id and "消费金额:{{amount1.DATA}}" in spending.content
    assert requests.get(f"{stack.wechat_sim}/cgi-bin/template/get_all_private_template",
                        timeout=10).json()["errcode"] == 40001


def test_a_template_message_needs_no_grant_and_reads_as_the_phone_shows_it(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    data = {"amount1": {"value": "12.50元"}, "thing2": {"value": "第一食堂"},
            "time3": {"value": "2026年12月7日 12:30"}, "amount4": {"value": "¥87.50"}, "remark": {"value": "不显示"}}
    wechat.send_template(openid, SPENDING.template_id, data, url="https://card.example.edu.cn/m/bills")
    [message] = stack.sent_to(openid)
    assert message["msgtype"] == "template"
    assert message["content"] == ("消费提醒\n消费金额：12.50元\n消费商户：第一食堂\n消费时间：2026年12月7日 12:30\n"
                                  "卡内余额：¥87.50")
    assert message["template"] == {"template_id": SPENDING.template_id, "title": "消费提醒", "fields": [
        ["消费金额", "12.50元"], ["消费商户", "第一食堂"], ["消费时间", "2026年12月7日 12:30"], ["卡内余额", "¥87.50"]],
        "url": "https://card.example.edu.cn/m/bills"}


def test_an_unknown_template_is_refused_40037(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    with pytest.raises(TemplateRefused) as refused:
        wechat.send_template(openid, "onecard-notice", {"title": {"value": "x"}})
    assert refused.value.errcode == 40037
    assert _refusals(stack, openid) == [("template", 40037)]


@pytest.mark.parametrize(("key", "value"), [
    ("amount1", "12.50 元"), ("amount1", "12345678901"), ("phrase2", "充值已经成功"), ("phrase2", "OK"),
    ("character_string3", "订单001"), ("character_string3", "A" * 33), ("time4", "2026/12/07"), ("time4", "下午"),
    ("amount5", "-1.00"), ("unknown6", "x"), ("title", "旧模板的键"),
])
def test_a_value_that_breaks_its_key_type_is_refused_47003_naming_the_key(wechat: WeChatApi, key: str,
                                                                           value: str) -> None:
    good = {"amount1": {"value": "100.00元"}, "phrase2": {"value": "充值成功"},
            "character_string3": {"value": "TU20261207001"}, "time4": {"value": "2026-12-07 12:30"},
            "amount5": {"value": "187.50"}}
    with pytest.raises(TemplateRefused) as refused:
        wechat.send_template(new_openid(), TOPUP.template_id, {**good, key: {"value": value}})
    assert refused.value.errcode == 47003 and f"data.{key}" in str(refused.value)


def test_values_at_their_types_limits_are_delivered(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    wechat.send_template(openid, TOPUP.template_id, {
        "amount1": {"value": "1234567890"}, "phrase2": {"value": "充值已成功"},
        "character_string3": {"value": "A" * 32}, "time4": {"value": "15:01"}, "amount5": {"value": ""}})
    assert len(stack.sent_to(openid)) == 1


def test_a_repeated_client_msg_id_is_answered_ok_and_delivered_once(stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    data = {"thing1": {"value": "停水通知"}, "time2": {"value": "2026-12-07"}}
    for _ in range(3):
        wechat.send_template(openid, NOTICE.template_id, data, client_msg_id="outbound-4711")
    wechat.send_template(openid, NOTICE.template_id, data, client_msg_id="outbound-4712")
    assert len(stack.sent_to(openid)) == 2
    body: dict[str, Any] = {"touser": openid, "template_id": NOTICE.template_id, "data": data,
                            "client_msg_id": "outbound-4711"}
    token = requests.post(f"{stack.wechat_sim}/cgi-bin/stable_token", timeout=10, json={
        "grant_type": "client_credential", "appid": stack.settings.wechat_appid,
        "secret": stack.settings.wechat_secret.get_secret_value()}).json()["access_token"]
    answers = [requests.post(f"{stack.wechat_sim}/cgi-bin/message/template/send", params={"access_token": token},
                             json=b, timeout=10).json() for b in (body, {**body, "client_msg_id": "x" * 65})]
    assert answers[0]["errcode"] == 0 and answers[0]["msgid"] == 200000 + stack.sent_to(openid)[0]["seq"]
    assert answers[1]["errcode"] == 47001


def test_a_client_msg_id_is_forgotten_after_ten_minutes(stack: Stack, wechat: WeChatApi,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    openid = new_openid()
    data = {"thing1": {"value": "停水通知"}}
    wechat.send_template(openid, NOTICE.template_id, data, client_msg_id="outbound-4713")
    later = time.time() + REPEAT_WINDOW_SECONDS + 1
    monkeypatch.setattr(sim_template_api, "time", SimpleNamespace(time=lambda: later))
    wechat.send_template(openid, NOTICE.template_id, data, client_msg_id="outbound-4713")
    assert len(stack.sent_to(openid)) == 2


def test_a_user_who_refused_the_accounts_notices_gets_43101_and_a_banned_template_43116(
        stack: Stack, wechat: WeChatApi) -> None:
    openid = new_openid()
    data = {"thing1": {"value": "停水通知"}}
    stack.wechat_faults(template_refuse={openid: 43101}, banned=[SPENDING.template_id])
    try:
        with pytest.raises(Undeliverable) as refused:
            wechat.send_template(openid, NOTICE.template_id, data)
        assert refused.value.errcode == 43101
        with pytest.raises(TemplateRefused) as banned:
            wechat.send_template(new_openid(), SPENDING.template_id, {"thing2": {"value": "第一食堂"}})
        assert banned.value.errcode == 43116
    finally:
        stack.wechat_faults(template_refuse={}, banned=[])
    wechat.send_template(openid, NOTICE.template_id, data)
    assert len(stack.sent_to(openid)) == 1


def test_a_school_whose_account_lacks_a_template_is_refused_40037(stack: Stack, wechat: WeChatApi) -> None:
    fewer = [t.listed() for t in DEMO_TEMPLATES if t.title != "通知公告"]
    requests.post(f"{stack.wechat_sim}/_sim/templates", json={"template_list": fewer}, timeout=10).raise_for_status()
    try:
        assert "通知公告" not in [t.title for t in wechat.list_templates()]
        with pytest.raises(TemplateRefused) as refused:
            wechat.send_template(new_openid(), NOTICE.template_id, {"thing1": {"value": "停水通知"}})
        assert refused.value.errcode == 40037
    finally:
        requests.delete(f"{stack.wechat_sim}/_sim/templates", timeout=10).raise_for_status()
    assert len(wechat.list_templates()) == len(DEMO_TEMPLATES)
