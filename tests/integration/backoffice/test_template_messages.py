"""The 模板消息 page over HTTP: the account's templates and each kind's, a preview of the phone, a test
send with WeChat's answer in Chinese, a clerk's choice and its undoing, and the warnings elsewhere.

WeChat is a fake holding templates written as WeChat writes them (`tests.wechat_templates`), put in
the web process's platform for the test; the database is left as the test found it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests
from sqlalchemy import delete

from adapters.wechat.port import REFUSALS
from events.notices import NoticeKind
from store import templates as store_templates
from store.db import begin_as_writer
from store.tables import NoticeTemplate, OutboundMessage, utcnow
from tests.harness import Stack
from tests.integration.backoffice.client import Admin, audit_entries, signed_in
from tests.wechat_templates import DEMO, ODD, FakeWeChat, without
from workers.delivery.templates import Choice

#: Internal names of notice kinds, as they must never read on a page (ids and form values aside).
KIND_KEYS = re.compile(r"(?<![\w-])(" + "|".join(k.value for k in NoticeKind) + r")(?![\w-])")


@pytest.fixture
def wechat(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeChat]:
    with stack.platform.uow() as uow:
        kept, chosen = store_templates.templates(uow.session), store_templates.choices(uow.session)
    fake = FakeWeChat()
    monkeypatch.setattr(stack.platform, "wechat", fake)
    yield fake
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)
        store_templates.replace_templates(uow.session, kept, utcnow())
        uow.session.execute(delete(NoticeTemplate))
        for kind, choice in chosen.items():
            store_templates.choose(uow.session, kind, choice["template_id"], choice["keys"], "test", utcnow())
        uow.commit()
    # The platform's template cache was built on whichever WeChat it met first (maybe the fake): anew.
    stack.platform.__dict__.pop("templates", None)


def follow(admin: Admin, answer: requests.Response) -> str:
    """The page a 303 leads to, as text with its entities read."""
    assert answer.status_code == 303, answer.text
    page = admin.http.get(urljoin(admin.base, answer.headers["location"]), timeout=20)
    assert page.status_code == 200
    return html.unescape(page.text)


def visible(page: str) -> str:
    """What a clerk reads: the text outside tags."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S))
    return " ".join(html.unescape(text).split())


def card(page: str, kind: NoticeKind) -> str:
    found = re.search(rf'<section class="card" id="kind-{kind.value}">(.*?)</section>', page, re.S)
    assert found, kind
    return html.unescape(found.group(1))


def test_the_page_lists_the_accounts_templates_and_every_kinds_mapping_and_phone(stack: Stack,
                                                                                wechat: FakeWeChat) -> None:
    clerk = signed_in(stack, "operator")
    synced = follow(clerk, clerk.post("/templates/sync"))
    assert "已从微信同步 12 个模板" in synced and "最近同步" in synced
    [entry] = [e for e in audit_entries(stack, clerk.username) if e.action == "templates synced"]
    assert entry.after is not None and entry.after["count"] == 12 and "消费提醒" in entry.after["titles"]

    page = clerk.get("/templates").text
    text = visible(page)
    assert KIND_KEYS.findall(text) == []
    assert "消费金额 · amount1 · 金额" in text and "订单编号 · character_string3 · 字母数字（32 位以内）" in text
    spending = visible(card(page, NoticeKind.SPENDING))
    assert "自动匹配" in spending and "「消费提醒」 TPL_spending_01" in spending
    assert re.search(r"消费商户\s+thing2\s+文字（20 字以内）\s+商户", spending)
    for line in ("消费金额：1288.50元", "消费商户：北校区第二学生食堂三楼清真风味自选快餐…", "卡内余额：32.60元",
                 "详情"):
        assert line in spending, line
    summary = visible(card(page, NoticeKind.SUMMARY))
    assert re.search(r"统计日期：\d{4}年\d\d月\d\d日", summary) and "消费笔数：5" in summary
    # An operator may sync, not choose or test: no such form or link on the page.
    assert "/test\"" not in page and 'id="choose-' not in page and 'name="openid"' not in page


def test_a_kind_without_a_template_is_shown_in_red_here_on_the_overview_and_on_operations(
        stack: Stack, wechat: FakeWeChat) -> None:
    wechat.templates = without("余额不足提醒")
    clerk = signed_in(stack, "operator")
    follow(clerk, clerk.post("/templates/sync"))
    with stack.platform.uow() as uow:
        before = sum(store_templates.held(uow.session).values())
        row = OutboundMessage(channel="template", recipient="o-held-student", body="余额不足", status="no_template",
                              notice={"kind": "low_balance", "text": "余额不足", "fields": {"balance": 850}},
                              last_error="余额不足提醒：公众号没有标题为「余额不足提醒」的模板",
                              claimed_until=utcnow().replace(year=2099))
        uow.session.add(row)
        uow.commit()
        row_id = row.id
    try:
        page = clerk.get("/templates").text
        low = card(page, NoticeKind.LOW_BALANCE)
        assert re.search(r'<p class="missing" id="reason-low_balance">公众号没有标题为「余额不足提醒」的模板</p>', low)
        assert "没有可用模板" in low and "标题「余额不足提醒」（或：余额提醒、余额不足通知）" in low
        assert "有 <b>1</b> 条此类通知因没有可用模板而暂存" in low
        for path in ("/", "/operations"):
            shown = html.unescape(clerk.get(path).text)
            found = re.search(r'<section class="card warn" id="template-gaps".*?</section>', shown, re.S)
            assert found, path
            warning = found.group(0)
            assert "1 类通知没有可用的模板" in warning
            assert '<b>余额不足提醒</b>：<span class="missing">公众号没有标题为「余额不足提醒」的模板' in warning
            assert f'<b id="held-no-template">{before + 1}</b>' in warning and 'href="/admin/templates"' in warning
    finally:
        with stack.platform.uow() as uow:
            uow.session.execute(delete(OutboundMessage).where(OutboundMessage.id == row_id))
            uow.commit()


def test_a_failed_sync_says_so_and_keeps_what_was_listed(stack: Stack, wechat: FakeWeChat) -> None:
    clerk = signed_in(stack, "operator")
    follow(clerk, clerk.post("/templates/sync"))
    wechat.refuse = "down"
    assert "暂时无法从微信获取模板，请稍后再试" in follow(clerk, clerk.post("/templates/sync"))
    with stack.platform.uow() as uow:
        assert len(store_templates.templates(uow.session)) == 12


def test_a_super_admin_chooses_another_template_and_fields_then_restores_the_automatic_match(
        stack: Stack, wechat: FakeWeChat) -> None:
    wechat.templates = [*DEMO, ODD]
    boss = signed_in(stack, "super-admin")
    follow(boss, boss.post("/templates/sync"))
    picking = html.unescape(boss.get("/templates/loan_due", {"template": "TPL_announcement_10"}).text)
    assert "「借阅到期提醒」用哪个模板" in picking and 'name="key_thing1"' in picking
    assert "模板「通知公告」的字段「通知标题」（thing1）没有对应的内容" in picking  # by label alone it cannot carry it

    chosen = follow(boss, boss.post("/templates/loan_due", {"template_id": "TPL_announcement_10",
                                                            "key_thing1": "item", "key_time2": "", "key_thing3": ""}))
    assert "「借阅到期提醒」已改用选定的模板" in chosen
    with stack.platform.uow() as uow:
        assert store_templates.choices(uow.session)["loan_due"] == {"template_id": "TPL_announcement_10",
                                                                    "keys": {"thing1": "item"}}
    loan = visible(card(chosen, NoticeKind.LOAN_DUE))
    assert "人工选定" in loan and "「通知公告」 TPL_announcement_10" in loan and f"由 {boss.username} 于" in loan
    assert "通知标题：《深入理解计算机系统（原书第3版）》" in loan and "通知内容：请及时续借或归还" in loan
    found = stack.platform.templates.book().choice(NoticeKind.LOAN_DUE)  # this process reads it at once
    assert isinstance(found, Choice) and found.chosen and found.template.template_id == "TPL_announcement_10"
    [entry] = [e for e in audit_entries(stack, boss.username) if e.action == "template chosen"]
    assert entry.target == "loan_due" and entry.before is not None and entry.after is not None
    assert entry.before["automatic"] is True and entry.before["title"] == "借阅到期提醒"
    assert entry.after == {"automatic": False, "template_id": "TPL_announcement_10", "title": "通知公告",
                           "keys": {"thing1": "item"}}

    refused = boss.post("/templates/repair", {"template_id": "TPL_odd_13"})
    assert refused.status_code == 400
    assert ("这样设置后仍无法发送：模板「维修派单通知」的字段「维修人员」（name2）没有对应的内容"
            in html.unescape(refused.text))
    foreign = boss.post("/templates/loan_due", {"template_id": "TPL_announcement_10", "key_thing1": "balance"})
    assert foreign.status_code == 400 and "所选内容不是「借阅到期提醒」的内容" in html.unescape(foreign.text)
    unknown = boss.post("/templates/loan_due", {"template_id": "TPL_gone"})
    assert unknown.status_code == 400 and "请选择公众号模板库中的模板" in html.unescape(unknown.text)
    assert boss.post("/templates/nonsense", {"template_id": "TPL_spending_01"}).status_code == 404
    with stack.platform.uow() as uow:
        assert set(store_templates.choices(uow.session)) == {"loan_due"}

    restored = follow(boss, boss.post("/templates/loan_due/automatic"))
    assert "「借阅到期提醒」已恢复自动匹配" in restored
    assert "自动匹配" in visible(card(restored, NoticeKind.LOAN_DUE))
    with stack.platform.uow() as uow:
        assert "loan_due" not in store_templates.choices(uow.session)
    [entry] = [e for e in audit_entries(stack, boss.username) if e.action == "template automatic"]
    assert entry.before is not None and entry.before["automatic"] is False
    assert entry.after == {"automatic": True, "template_id": "TPL_loan_due_09", "title": "借阅到期提醒", "keys": {}}
    audit_page = html.unescape(boss.get("/audit").text)
    assert "选定通知模板" in audit_page and "恢复自动匹配模板" in audit_page and "thing1 → 项目" in audit_page


def test_a_test_send_goes_to_the_typed_openid_and_wechats_answer_reads_in_chinese(stack: Stack,
                                                                                  wechat: FakeWeChat) -> None:
    boss = signed_in(stack, "super-admin")
    follow(boss, boss.post("/templates/sync"))
    me = "o_card_office_me_0001"
    sent = follow(boss, boss.post("/templates/spending/test", {"openid": me}))
    assert "「消费提醒」的测试消息微信已接收，请在手机上查看" in sent
    assert f'name="openid" value="{me}"' in sent  # typed once for every kind
    [message] = wechat.sent
    assert message["touser"] == me and message["template_id"] == "TPL_spending_01"
    assert message["data"]["amount1"] == {"value": "1288.50元"} and message["url"].endswith("/m/bill")
    [entry] = [e for e in audit_entries(stack, boss.username) if e.action == "template test sent"]
    assert entry.target == "spending" and entry.after == {"template_id": "TPL_spending_01", "title": "消费提醒",
                                                          "openid": me, "result": "微信已接收"}

    answers = {40037: "模板不存在", 47003: "字段内容不合规", 43116: "模板已被封禁", 43101: "用户拒收"}
    for code, meaning in answers.items():
        wechat.refuse = code
        assert f"微信拒绝了「充值结果通知」的测试消息：{meaning}" in follow(
            boss, boss.post("/templates/topup/test", {"openid": me}))
    wechat.refuse = 40036
    assert "微信拒绝了「充值结果通知」的测试消息（错误码 40036）" in follow(
        boss, boss.post("/templates/topup/test", {"openid": me}))
    wechat.refuse = "down"
    assert "「充值结果通知」的测试消息未发出：暂时无法连接微信" in follow(
        boss, boss.post("/templates/topup/test", {"openid": me}))
    results = [e.after["result"] for e in audit_entries(stack, boss.username)
               if e.action == "template test sent" and e.after and e.target == "topup"]
    assert results == [f"{code} {REFUSALS[code]}" for code in (40037, 47003, 43116, 43101)] + [
        "40036: refused by the fake", "无法连接微信"]

    wechat.refuse = None
    assert "请填写正确的 openid" in follow(boss, boss.post("/templates/spending/test", {"openid": "<b>me</b>"}))
    wechat.templates = without("通知公告")
    follow(boss, boss.post("/templates/sync"))
    assert "「通知公告」没有可用的模板，无法发送测试消息" in follow(
        boss, boss.post("/templates/announcement/test", {"openid": me}))
    assert len(wechat.sent) == 1


def test_only_a_role_with_the_templates_permission_chooses_or_tests(stack: Stack, wechat: FakeWeChat) -> None:
    clerk, auditor = signed_in(stack, "operator"), signed_in(stack, "auditor")
    follow(clerk, clerk.post("/templates/sync"))
    assert clerk.get("/templates").status_code == 200 and auditor.get("/templates").status_code == 200
    assert clerk.get("/templates/spending").status_code == 403
    assert clerk.post("/templates/spending", {"template_id": "TPL_spending_01"}).status_code == 403
    assert clerk.post("/templates/spending/automatic").status_code == 403
    assert clerk.post("/templates/spending/test", {"openid": "o_card_office_me_0001"}).status_code == 403
    assert auditor.post("/templates/sync").status_code == 403
    assert wechat.sent == []
    with stack.platform.uow() as uow:
        assert "spending" not in store_templates.choices(uow.session)
