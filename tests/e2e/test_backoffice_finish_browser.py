"""The back-office finished as a product (issue 15), in a real browser at 1366 px and 390 px: 概览's
trends lead to their pages, a repair ticket keeps its whole conversation and its reporter, tables page,
sort and find partial numbers, the operators table lines up, a dismissed confirmation changes nothing,
and no page shows a code name."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import delete

from backoffice import audit, statuses
from backoffice.roles import ROLE_LABELS
from backoffice.seed import STARTED_BY
from events.notices import NoticeKind
from events.routing import FEATURE_LABELS
from events.topics import TOPIC_LABELS
from onecard.demo_guides import AUTHOR, seed_demo_guides
from store.tables import Article, MoneyOrder, Operator, RepairTicket, utcnow
from tests.e2e.backoffice_browser import SCREENSHOTS, boss, click_to_next_page, confirm, shoot, wait_for
from tests.harness import Stack, new_openid
from tests.integration.backoffice.client import make_operator
from workers.delivery.push import CHANNEL_LABELS
from workers.money.reconcile import review
from workers.money.reconcile.resolve import DECISIONS
from workers.money.reconcile.run import SOURCES

pytestmark = pytest.mark.e2e
__all__ = ["boss"]  # the fixture this module imports

#: Internal names that once reached the pages; none may show outside a details toggle.
CODE_NAMES = ("done", "sent", "undeliverable", "custom", "template", "operator", "super-admin", "auditor", "balance",
              "history", "failed", "pending", "queued", "resolved", "in_progress", "bank_only", "platform_only",
              "card_mismatch", "stuck", "timing", "RedisBroker", "WakingRedisBroker", "StubBroker", "worker",
              "actor", "outbox", "inbox", "topup", "notify", "general", "sign-in", "unbind", "feature switch",
              "true", "false", "null", "make run", "demo", "source", "bank", "wechatpay", "cli")


def internal_names() -> set[str]:
    """Every key the back-office has a Chinese name for: statuses, kinds, roles, switches, topics,
    channels, reconciliation sources. Where a page shows one of these, it missed its label."""
    tables: list[Iterable[object]] = [
        statuses.ARTICLE, statuses.BROADCAST, statuses.DELIVERY, statuses.FAILED_SENDS, ROLE_LABELS, FEATURE_LABELS,
        TOPIC_LABELS, CHANNEL_LABELS, SOURCES, review.KINDS, review.STATUSES, review.RUN_STATUSES, DECISIONS,
        audit.ACTIONS, {kind.value: kind for kind in NoticeKind}]
    return {key for table in tables for key in table if isinstance(key, str) and key.isascii()}


def test_the_overview_shows_trends_that_lead_to_their_pages(live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    browser.get(f"{live.ingress_url}/admin/")
    WebDriverWait(browser, 15).until(
        lambda d: d.find_element(By.ID, "trend-bindings").get_attribute("data-drawn") == "1")
    for key in ("active", "transactions", "tickets"):
        assert browser.find_element(By.ID, f"trend-{key}").get_attribute("data-drawn") == "1"
    links = {key: browser.find_element(By.ID, f"tile-{key}").get_attribute("href") or ""
             for key in ("bindings", "active", "transactions", "tickets", "dead", "reconciliation")}
    assert links["tickets"].endswith("/admin/tickets?status=open") and links["dead"].endswith("/admin/operations")
    assert "/admin/reconciliation" in links["reconciliation"]
    assert browser.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text == "概览"
    shoot(browser, "overview", phone=True)
    nav = browser.find_element(By.ID, "nav")
    main = browser.find_element(By.TAG_NAME, "main")
    assert nav.rect["x"] < 20 and nav.rect["x"] + nav.rect["width"] <= main.rect["x"]  # a left column at 1366 px
    browser.set_window_size(390, 844)
    try:
        assert not nav.is_displayed()  # folded behind 菜单 on a phone
        browser.find_element(By.CSS_SELECTOR, "label.menu-button").click()
        WebDriverWait(browser, 5).until(lambda d: nav.is_displayed())
        browser.save_screenshot(str(SCREENSHOTS / "nav-open-phone.png"))
    finally:
        browser.set_window_size(1366, 900)
    browser.find_element(By.ID, "tile-tickets").click()
    assert wait_for(browser, "nav a[aria-current=page]").text == "报修工单"


def test_a_ticket_keeps_every_reply_and_shows_who_reported_it(live: Stack, browser: webdriver.Chrome,
                                                              boss: str) -> None:
    openid = new_openid()
    live.bind(openid, "20240003", "13800000003")
    try:
        assert "报修已受理" in live.ask(openid, "报修 读卡器 二食堂一楼 刷卡没反应")
        with live.platform.uow() as uow:
            ticket = uow.session.query(RepairTicket).filter_by(openid=openid).one()
            ticket_id, number = ticket.id, ticket.ticket_no
        browser.get(f"{live.ingress_url}/admin/tickets")
        wait_for(browser, "#ticket-q").send_keys("0003")  # the phone's tail
        click_to_next_page(browser, By.ID, "ticket-filter")
        row = wait_for(browser, f"#ticket-row-{ticket_id}")
        assert "20240003" in row.text
        row.find_element(By.LINK_TEXT, number).click()
        reporter = wait_for(browser, "#reporter").text
        assert "20240003" in reporter and "138****0003" in reporter and "13800000003" not in reporter
        before = len(live.sent_to(openid))
        for reply in ("已派人查看", "读卡器已更换，请再试"):
            wait_for(browser, "#reply").send_keys(reply)
            click_to_next_page(browser, By.ID, "send-reply")
            wait_for(browser, ".flash.ok")
        Select(browser.find_element(By.ID, "new-status")).select_by_value("resolved")
        browser.find_element(By.NAME, "note").send_keys("已修复")
        click_to_next_page(browser, By.ID, "set-status")
        assert wait_for(browser, "#ticket-status").text == "已修复"
        conversation = browser.find_element(By.ID, "conversation").text
        assert "已派人查看" in conversation and "读卡器已更换，请再试" in conversation
        assert conversation.index("已派人查看") < conversation.index("读卡器已更换") < conversation.index("状态改为")
        assert conversation.count(f"后台：{boss}") == 2 and "刷卡没反应" in conversation
        assert len(live.replies(openid, before + 3)) >= before + 3  # the user heard each step
        shoot(browser, "ticket-conversation", phone=True)
    finally:
        live.ask(openid, "解绑")


def test_tables_page_sort_and_find_partial_numbers(live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    openid = new_openid()
    live.bind(openid, "20240002", "13800000002")
    try:
        browser.get(f"{live.ingress_url}/admin/bindings")
        search = wait_for(browser, "#q")
        assert "学号" in (search.get_attribute("placeholder") or "")
        for query in ("40002", "0002", "李四"):  # part of the student number, the phone's tail, the name
            browser.get(f"{live.ingress_url}/admin/bindings?q={query}")
            assert openid in wait_for(browser, "table").text, query
        assert "共" in browser.find_element(By.ID, "pager").text
        click_to_next_page(browser, By.LINK_TEXT, "学号")
        assert "sort=student_no" in browser.current_url
        shoot(browser, "bindings-sorted", phone=True)
        browser.get(f"{live.ingress_url}/admin/audit")
        Select(wait_for(browser, "#audit-action")).select_by_visible_text("登录")
        browser.find_element(By.CSS_SELECTOR, "form.row button").click()

        def login_rows(d: webdriver.Chrome) -> set[str] | None:
            """The filtered page's actions, once it is the page shown (Chromium may answer mid-navigation)."""
            if "action=" not in d.current_url:
                return None
            return {e.text for e in d.find_elements(By.CSS_SELECTOR, "tr.audit-entry td:nth-child(3) a")} or None

        actions = WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(login_rows)
        assert actions == {"登录"}, actions
        order_no = f"F{uuid.uuid4().hex[:10].upper()}Q"
        now = utcnow()
        with live.platform.uow() as uow:
            uow.session.add(MoneyOrder(order_no=order_no, kind="net", openid=openid, student_no="20240002",
                                       target="20240002", amount_fen=3000, status="done", created_at=now,
                                       expires_at=now, confirmed_at=now, moved_at=now))
            uow.commit()
        browser.get(f"{live.ingress_url}/admin/orders")
        wait_for(browser, "#order-q").send_keys("40002")
        click_to_next_page(browser, By.ID, "order-filter")
        row = wait_for(browser, f"#order-{order_no}").text
        assert "校园网费" in row and "已完成" in row and "30.00" in row
        click_to_next_page(browser, By.LINK_TEXT, "金额（元）")
        assert "sort=amount" in browser.current_url and "q=40002" in browser.current_url
        shoot(browser, "orders", phone=True)
    finally:
        live.ask(openid, "解绑")


def test_the_operators_table_lines_up_and_a_dismissed_confirmation_changes_nothing(
        live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    other = make_operator(live, "operator")
    browser.get(f"{live.ingress_url}/admin/operators")
    for username in (boss, other):
        cells = wait_for(browser, f"#operator-{username}").find_elements(By.TAG_NAME, "td")
        tops = {c.rect["y"] for c in cells}
        heights = {round(c.rect["height"]) for c in cells}
        assert len(tops) == 1 and len(heights) == 1, (username, tops, heights)
    browser.find_element(By.CSS_SELECTOR, f"#operator-{other} button.danger").click()
    alert = WebDriverWait(browser, 5).until(lambda d: d.switch_to.alert)
    assert other in alert.text
    alert.dismiss()
    with live.platform.uow() as uow:
        assert uow.session.query(Operator).filter_by(username=other).one().disabled is False
    shoot(browser, "operators", phone=True)
    browser.find_element(By.CSS_SELECTOR, f"#operator-{other} button.danger").click()
    confirm(browser, other)
    wait_for(browser, ".flash.ok")
    with live.platform.uow() as uow:
        assert uow.session.query(Operator).filter_by(username=other).one().disabled is True


def test_no_page_shows_a_code_name_at_either_width(live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    """Every page a clerk opens, read as text (details toggles closed), at 1366 px and at 390 px, with
    what `make run` seeds (its demo admin's audit line, the demo guides) and a clerk's reconciliation
    in the audit log."""
    seeded = seed_demo_guides(live.platform.engine)
    try:
        _no_code_names(live, browser, boss)
    finally:  # the stack is shared: the guide tests search their own guides, not these
        if seeded:
            with live.platform.uow() as uow:
                uow.session.execute(delete(Article).where(Article.kind == "guide", Article.created_by == AUTHOR))
                uow.commit()


def _no_code_names(live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    with live.platform.uow() as uow:
        audit.record(uow.session, STARTED_BY, "operator created", "admin", after={"role": "super-admin"})
        audit.record(uow.session, boss, "reconciliation started", "reconciliation 1",
                     after={"date": "2026-11-20", "source": "bank"})
        audit.record(uow.session, "cli:root", "operator unlocked", boss)
        uow.commit()
    pages = ["/", "/features", "/articles", "/articles/new", "/bindings", "/tickets", "/analytics", "/orders",
             "/reconciliation", "/operations", "/templates", "/operators", "/audit"]
    names = sorted({*CODE_NAMES, *internal_names()}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in names) + r")(?![\w-])")
    for path in pages:
        browser.get(f"{live.ingress_url}/admin{path}")
        text = wait_for(browser, "main").text.replace(boss, "")
        text = re.sub(r"\b(operator|super-admin|auditor)-[0-9a-f]{6}\b", "", text)  # other tests' usernames
        text = re.sub(r"https?://\S+", "", text)  # addresses (上线检查's lines name each system's URL)
        found = pattern.findall(text)
        assert not found, (path, found)
        name = "page" + (path.replace("/", "-").rstrip("-") or "-home")
        shoot(browser, name, phone=True)
