"""What operators do over HTTP, and what the platform and the users see of it (workers running)."""

from __future__ import annotations

import csv
import io
import time
import uuid

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import select

from adapters.broker import dead_letters, stats
from adapters.cardsystem.demo import DemoHolder
from adapters.wechat.callbacks import text_xml
from store.tables import (
    Article,
    AuditEntry,
    Binding,
    BindingLog,
    Broadcast,
    FeatureSwitch,
    MoneyOrder,
    OutboundMessage,
    RepairTicket,
    utcnow,
)
from tests.harness import Stack, new_openid
from tests.integration.backoffice.client import audit_entries, first_group, operator_row, signed_in
from tests.integration.backoffice.fixtures import add_binding, add_ticket
from webassets import ECHARTS


def status_of(stack: Stack, outbound_id: int) -> str:
    with stack.platform.uow() as uow:
        return uow.session.get_one(OutboundMessage, outbound_id).status


def test_switching_a_feature_off_changes_the_wechat_answer_without_a_restart(live: Stack) -> None:
    admin = signed_in(live, "operator")
    openid = new_openid()
    answer = admin.post("/features/balance", {"enabled": "0", "message": "余额查询系统维护中，预计 18:00 恢复。"})
    assert answer.status_code == 303
    try:
        assert live.ask(openid, "余额") == "余额查询系统维护中，预计 18:00 恢复。"
        [entry] = audit_entries(live, admin.username)[1:]
        assert entry.action == "feature switch" and entry.before == {"enabled": True, "message": None}
        assert entry.after == {"enabled": False, "message": "余额查询系统维护中，预计 18:00 恢复。"}
    finally:
        admin.post("/features/balance", {"enabled": "1", "message": ""})
    assert "还未绑定" in live.ask(openid, "余额")
    with live.platform.uow() as uow:
        assert uow.session.get_one(FeatureSwitch, "balance").updated_by == admin.username


def test_an_announcement_goes_from_draft_to_published_to_pushed_and_reaches_bound_users(live: Stack) -> None:
    admin = signed_in(live, "operator")
    openid = new_openid()
    add_binding(live, openid)
    created = admin.post("/articles", {"kind": "announcement", "title": "停电通知",
                                       "body": "周六 9:00-12:00 圈存机暂停。"})
    article_id = int(created.headers["location"].split("/")[-1].split("?")[0])
    assert admin.post(f"/articles/{article_id}/push").headers["location"].endswith("err=not_published")
    assert admin.post(f"/articles/{article_id}/publish").status_code == 303
    pushed = admin.post(f"/articles/{article_id}/push")
    broadcast_id = int(first_group(r"/broadcasts/(\d+)", pushed.headers["location"]))
    live.replies(openid, 1)
    [delivered] = live.sent_to(openid)  # a bound user who never wrote: the 通知公告 template, linking the article
    assert delivered["template"]["title"] == "通知公告"
    assert dict(delivered["template"]["fields"])["公告标题"] == "停电通知"
    assert delivered["template"]["url"].endswith(f"/m/articles/{article_id}")
    deadline = time.monotonic() + 20
    while 'id="broadcast-status">已完成<' not in (page := admin.get(f"/broadcasts/{broadcast_id}")).text:
        assert time.monotonic() < deadline, page.text
        time.sleep(0.2)
    assert 'id="pending-count">0<' in page.text
    with live.platform.uow() as uow:
        assert uow.session.get_one(Article, article_id).status == "pushed"
        assert uow.session.get_one(Broadcast, broadcast_id).total >= 1
    actions = [e.action for e in audit_entries(live, admin.username)]
    assert actions == ["sign-in", "article created", "article published", "article pushed"]


def test_a_push_still_counting_its_recipients_shows_no_percentage(stack: Stack) -> None:
    admin = signed_in(stack, "operator")
    with stack.platform.uow() as uow:
        article = Article(kind="announcement", title="停水通知", body="周日停水。", status="published")
        uow.session.add(article)
        uow.session.flush()
        broadcast = Broadcast(article_id=article.id, status="queued", created_by=admin.username)
        uow.session.add(broadcast)
        uow.commit()
        broadcast_id = broadcast.id
    page = admin.get(f"/broadcasts/{broadcast_id}").text
    bar = first_group(r'(<progress id="progress-bar"[^>]*>[^<]*)</progress>', page)
    assert "正在统计接收人" in page and "value=" not in bar and "%" not in bar, bar
    assert admin.get(f"/broadcasts/{broadcast_id}/progress").json()["percent"] is None
    with stack.platform.uow() as uow:  # nothing was planned: leave no push for a scheduler to resume
        uow.session.get_one(Broadcast, broadcast_id).status = "done"
        uow.commit()


def test_an_operator_finds_a_binding_by_masked_phone_and_unbinds_it_with_a_reason(live: Stack) -> None:
    admin = signed_in(live, "operator")
    openid = new_openid()
    student_no = add_binding(live, openid, name="钱七", phone="13698761234")
    for query in (student_no, "钱七", "136****1234", openid):
        assert openid in admin.get("/bindings", params={"q": query}).text, query
    assert openid not in admin.get("/bindings", params={"q": "136****9999"}).text
    assert admin.post(f"/bindings/{openid}/unbind", {"reason": ""}).headers["location"].find("err=") > 0
    assert admin.post(f"/bindings/{openid}/unbind", {"reason": "本人挂失换卡"}).status_code == 303
    assert "本人挂失换卡" in live.replies(openid, 1)[0]
    with live.platform.uow() as uow:
        assert uow.session.get(Binding, openid) is None
        log = uow.session.execute(select(BindingLog).where(BindingLog.openid == openid)
                                  .order_by(BindingLog.id.desc())).scalars().first()
        assert log is not None and (log.action, log.reason, log.actor) == ("unbound", "本人挂失换卡",
                                                                            f"admin:{admin.username}")
    entry = audit_entries(live, admin.username)[-1]
    assert entry.action == "unbind" and (entry.before or {})["student_no"] == student_no


def test_a_ticket_reply_and_status_change_reach_the_user(live: Stack) -> None:
    admin = signed_in(live, "operator")
    openid = new_openid()
    add_binding(live, openid)
    ticket_id = add_ticket(live, openid, category="闸机")
    assert str(ticket_id) in admin.get("/tickets", params={"category": "闸机", "status": "open"}).text
    admin.post(f"/tickets/{ticket_id}/reply", {"reply": "师傅下午到场维修"})
    admin.post(f"/tickets/{ticket_id}/status", {"status": "resolved"})
    texts = live.replies(openid, 2)
    # Two pushes, sent by different worker threads: either may arrive first.
    assert any("师傅下午到场维修" in t for t in texts) and any("已修复" in t for t in texts)
    with live.platform.uow() as uow:
        ticket = uow.session.get_one(RepairTicket, ticket_id)
        assert (ticket.status, ticket.reply) == ("resolved", "师傅下午到场维修")
    assert [e.action for e in audit_entries(live, admin.username)][-2:] == ["ticket reply", "ticket status"]


def test_a_super_admin_creates_an_operator_changes_the_role_and_the_new_role_applies_at_once(live: Stack) -> None:
    boss = signed_in(live, "super-admin")
    refused = boss.post("/operators", {"username": "short-pw", "password": "123", "role": "operator"})
    assert refused.status_code == 400 and "密码至少" in refused.text  # the form again, not a redirect
    assert boss.post("/operators", {"username": "新同事", "password": "a long enough password", "role": "operator"}) \
        .status_code == 303
    from tests.integration.backoffice.client import admin_client

    newcomer = admin_client(live)
    signed = newcomer.sign_in("新同事", "a long enough password")
    assert signed.headers["location"] == "/admin/account/password"  # a password the boss chose: changed first
    assert newcomer.post("/features/bind", {"enabled": "1"}).status_code == 403
    assert newcomer.post("/account/password", {"current": "a long enough password", "new": "my own secret phrase",
                                               "repeat": "my own secret phrase"}).status_code == 303
    assert newcomer.post("/features/bind", {"enabled": "1"}).status_code == 303
    new_id = operator_row(live, "新同事").id
    assert boss.post(f"/operators/{new_id}/role", {"role": "auditor"}).status_code == 303
    assert newcomer.post("/features/bind", {"enabled": "1"}).status_code == 403
    entry = audit_entries(live, boss.username)[-1]
    assert (entry.action, (entry.before or {})["role"], (entry.after or {})["role"]) == (
        "operator role", "operator", "auditor")


def test_the_analytics_tables_export_as_csv(live: Stack) -> None:
    admin = signed_in(live, "auditor")
    openid = new_openid()
    student_no = add_binding(live, openid)
    with live.platform.uow() as uow:  # a network fee paid and done, as the money relay leaves it
        now = utcnow()
        uow.session.add(MoneyOrder(order_no=f"T{uuid.uuid4().hex[:12]}X", kind="net", openid=openid,
                                   student_no=student_no, amount_fen=3000, status="done", created_at=now,
                                   expires_at=now, confirmed_at=now, moved_at=now))
        uow.commit()
    page = admin.get("/analytics")
    assert page.status_code == 200 and ECHARTS in page.text and 'id="chart-transactions"' in page.text
    exported = admin.get("/analytics/bindings.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["日期", "新绑定", "解绑"] and len(rows) == 31 and int(rows[-1][1]) >= 1
    monthly = list(csv.reader(io.StringIO(admin.get("/analytics/active.csv?period=month").content.decode("utf-8-sig"))))
    assert len(monthly) == 13
    money = list(csv.reader(io.StringIO(admin.get("/analytics/transactions.csv").content.decode("utf-8-sig"))))
    assert "校园网费 笔数" in money[0] and int(money[-1][money[0].index("校园网费 笔数")]) >= 1
    assert live.platform.money is not None  # the ranking is the card system's: a card debit shows in it
    payer = f"M{uuid.uuid4().hex[:8]}"  # a holder of its own, paying more than any canteen took, so it ranks
    live.simulators.card.add_holder(DemoHolder(payer, "排行", "13900000000", f"69{payer[1:]}", 10_000_000))
    assert live.platform.money.ledger.debit(f"{payer}:debit", order_no=payer, student_no=payer,
                                            amount_fen=9_000_000, memo="校园网费").applied
    merchants = list(csv.reader(io.StringIO(admin.get("/analytics/merchants.csv").content.decode("utf-8-sig"))))
    assert merchants[0] == ["商户", "类别", "笔数", "金额（元）"]
    assert any(row[0] == "校园网费" and row[1] == "缴费" for row in merchants[1:]), merchants
    assert admin.http.get(f"{live.ingress_url}{ECHARTS}").status_code == 200  # the one ECharts, at /assets
    assert admin.get("/static/chart.umd.min.js").status_code == 404  # Chart.js is gone


def test_a_failed_send_is_retried_from_the_operations_page(live: Stack) -> None:
    admin = signed_in(live, "operator")
    openid = new_openid()
    live.heard(text_xml(openid, "你好"))  # the user wrote: the reply is within WeChat's quota
    with live.platform.uow() as uow:
        row = OutboundMessage(channel="wechat", recipient=openid, body="补发测试", status="failed", attempts=6,
                              last_error="gave up")
        uow.session.add(row)
        uow.commit()
        row_id = row.id
    page = admin.get("/operations")
    assert f'id="outbound-{row_id}"' in page.text and 'id="workers-alive">' in page.text
    assert int(first_group(r'id="workers-alive">(\d+)<', page.text)) >= 1
    assert admin.post(f"/operations/outbound/{row_id}/retry").status_code == 303
    assert live.replies(openid, 1) == ["补发测试"]
    deadline = time.monotonic() + 10  # the sender records the outcome just after the simulator got it
    while status_of(live, row_id) != "sent" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status_of(live, row_id) == "sent"
    with live.platform.uow() as uow:
        entry = uow.session.execute(select(AuditEntry).where(AuditEntry.target == f"outbound {row_id}")).scalar_one()
        assert entry.before == {"status": "failed", "last_error": "gave up"}


def test_a_dead_lettered_message_is_listed_and_put_back_on_its_queue(live: Stack) -> None:
    admin = signed_in(live, "operator")
    broker = live.platform.broker
    message: dramatiq.Message[object] = dramatiq.Message(queue_name="general", actor_name="no_such_actor",
                                                         args=(1,), kwargs={}, options={})
    broker.enqueue(message)
    deadline = time.monotonic() + 20
    while not [q for q in stats.depths(broker) if q.topic == "general" and q.dead] and time.monotonic() < deadline:
        time.sleep(0.1)
    page = admin.get("/operations")
    form: dict[str, str] = {}
    if isinstance(broker, RedisBroker):  # RabbitMQ's dead letters can be counted and retried, not listed
        [dead] = [d for d in dead_letters.dead_letters(broker) if d.actor == "no_such_actor"]
        assert dead.message_id in page.text
        form["message_id"] = dead.message_id
    assert admin.post("/operations/queues/general/retry", form).status_code == 303
    entry = audit_entries(live, admin.username)[-1]
    assert entry.action == "dead letters retried" and (entry.after or {})["count"] >= 1


def test_a_refused_form_keeps_what_was_typed(live: Stack) -> None:
    """Issue 15: a validation error shows the form again with the clerk's input (never the password)."""
    admin = signed_in(live, "super-admin")
    refused = admin.post("/operators", {"username": "new-clerk", "password": "short", "role": "auditor"})
    assert refused.status_code == 400 and "密码至少" in refused.text
    assert 'value="new-clerk"' in refused.text and 'value="auditor" selected' in refused.text
    assert "short" not in refused.text.replace("shortcut", "")
    draft = admin.post("/articles", {"kind": "guide", "title": "   ", "body": "<p>带上身份证</p>"})
    assert draft.status_code == 400 and "&lt;p&gt;带上身份证&lt;/p&gt;" in draft.text
    assert 'value="guide" selected' in draft.text
