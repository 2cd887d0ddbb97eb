"""The back-office in a real browser: sign in, pause a WeChat function, publish and push an announcement,
unbind a user, look at the figures and the operations, and resolve a reconciliation discrepancy.
"""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from store.tables import AuditEntry, Binding, Discrepancy, ReconciliationRun
from tests.e2e.backoffice_browser import boss, confirm, shoot, wait_for
from tests.harness import Stack, new_openid

pytestmark = pytest.mark.e2e
__all__ = ["boss"]  # the fixture this module imports


def test_an_operator_signs_in_through_the_form(live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    browser.get(f"{live.ingress_url}/admin/")
    assert boss in wait_for(browser, "#whoami").text
    shoot(browser, "home", phone=True)


def test_a_feature_switched_off_in_the_browser_is_answered_on_wechat(live: Stack, browser: webdriver.Chrome,
                                                                      boss: str) -> None:
    browser.get(f"{live.ingress_url}/admin/features")
    card = wait_for(browser, "#feature-balance")
    card.find_element(By.NAME, "message").send_keys("余额查询暂停：系统升级中。")
    card.find_element(By.CSS_SELECTOR, "button[name=enabled]").click()
    confirm(browser, "关闭「余额查询」")
    assert "已关闭" in wait_for(browser, "#feature-balance .badge.off").text
    shoot(browser, "features", phone=True)
    openid = new_openid()
    try:
        assert live.ask(openid, "余额") == "余额查询暂停：系统升级中。"
    finally:
        browser.find_element(By.CSS_SELECTOR, "#feature-balance button[name=enabled]").click()
        wait_for(browser, "#feature-balance .badge.on")
    assert "还未绑定" in live.ask(openid, "余额")


def test_an_announcement_published_and_pushed_in_the_browser_is_delivered(live: Stack, browser: webdriver.Chrome,
                                                                          boss: str) -> None:
    """A validation error keeps what was typed; the pasted markup reaches WeChat as clean text; the progress
    page counts the true recipients by itself, without a reload."""
    openid = new_openid()
    live.bind(openid, "20240001", "13800000001")
    before = len(live.sent_to(openid))
    body = "<p>寒假期间校园卡服务中心每周二、四&nbsp;9:00-16:00 开放。</p><p>节假日休息</p>"
    try:
        browser.get(f"{live.ingress_url}/admin/articles/new")
        Select(wait_for(browser, "#kind")).select_by_value("announcement")
        browser.find_element(By.ID, "title").send_keys("   ")  # passes `required`, refused by the server
        browser.find_element(By.ID, "body").send_keys(body)
        browser.find_element(By.ID, "save-draft").click()
        assert "请填写" in wait_for(browser, ".flash.err").text
        assert browser.find_element(By.ID, "body").get_attribute("value") == body
        kind = Select(browser.find_element(By.ID, "kind")).first_selected_option
        assert kind.get_attribute("value") == "announcement"
        shoot(browser, "article-form-error")
        browser.find_element(By.ID, "title").send_keys("寒假服务时间")
        browser.find_element(By.ID, "save-draft").click()
        wait_for(browser, "#publish").click()
        wait_for(browser, "#push").click()
        confirm(browser, "推送给所有绑定用户")
        wait_for(browser, "#sent-count")
        browser.execute_script("window.stayed = true")  # gone if the page reloads
        delivered = live.replies(openid, before + 1)[before]
        assert "寒假服务时间" in delivered and "每周二、四 9:00-16:00 开放。\n节假日休息" in delivered
        assert "<p>" not in delivered and "&nbsp;" not in delivered and "\r" not in delivered
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "broadcast-status").text == "已完成")
        assert browser.execute_script("return window.stayed") is True
        assert browser.find_element(By.ID, "pending-count").text == "0"
        assert int(browser.find_element(By.ID, "total-count").text) >= 1
        assert int(browser.find_element(By.ID, "sent-count").text) >= 1
        assert openid in browser.find_element(By.ID, "deliveries").text
        shoot(browser, "broadcast-progress", phone=True)
        browser.get(f"{live.ingress_url}/admin/articles")
        shoot(browser, "articles", phone=True)
    finally:
        live.ask(openid, "解绑")


def test_an_operator_finds_a_user_by_masked_phone_and_unbinds_them(live: Stack, browser: webdriver.Chrome,
                                                                   boss: str) -> None:
    openid = new_openid()
    live.bind(openid, "20240004", "13800000004")
    before = len(live.sent_to(openid))
    browser.get(f"{live.ingress_url}/admin/bindings")
    wait_for(browser, "#q").send_keys("138****0004")
    browser.find_element(By.ID, "search").click()
    wait_for(browser, f"a[href$='/bindings/{openid}']")
    shoot(browser, "bindings-search", phone=True)
    browser.find_element(By.CSS_SELECTOR, f"a[href$='/bindings/{openid}']").click()
    wait_for(browser, "#reason").send_keys("学生毕业离校")
    browser.find_element(By.ID, "unbind").click()
    confirm(browser, "解除")
    assert openid in wait_for(browser, "#not-bound").text
    shoot(browser, "binding-unbound")
    assert "学生毕业离校" in live.replies(openid, before + 1)[before]
    assert "还未绑定" in live.ask(openid, "余额")
    with live.platform.uow() as uow:
        assert uow.session.get(Binding, openid) is None


def test_the_figures_and_the_operations_pages_draw(live: Stack, browser: webdriver.Chrome, boss: str) -> None:
    browser.get(f"{live.ingress_url}/admin/analytics")
    WebDriverWait(browser, 15).until(
        lambda d: d.find_element(By.ID, "chart-bindings").get_attribute("data-drawn") == "1")
    assert browser.find_element(By.ID, "chart-active").get_attribute("data-drawn") == "1"
    assert browser.find_element(By.ID, "chart-transactions").get_attribute("data-drawn") == "1"
    shoot(browser, "analytics", phone=True)
    browser.get(f"{live.ingress_url}/admin/operations")
    assert int(wait_for(browser, "#workers-alive").text) >= 1
    assert browser.find_element(By.ID, "queue-bind").is_displayed()
    shoot(browser, "operations", phone=True)
    # 上线检查: the same checks as `onecard doctor`, one line each, run on a clerk's click.
    browser.find_element(By.CSS_SELECTOR, "#checks button[type=submit]").click()
    lines = WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#checks ul.checks li"))
    text = browser.find_element(By.ID, "checks").text
    assert len(lines) >= 11 and "数据库" in text and "磁盘" in text and "检查：" in text
    shoot(browser, "operations-checks", phone=True)
    browser.get(f"{live.ingress_url}/admin/tickets")
    shoot(browser, "tickets")
    browser.get(f"{live.ingress_url}/admin/operators")
    shoot(browser, "operators")
    browser.get(f"{live.ingress_url}/admin/audit")
    assert "解除绑定" in wait_for(browser, "table").text
    shoot(browser, "audit-log")


def _reconciliation_with_two_discrepancies(live: Stack) -> tuple[int, int, int]:
    """A finished run as `workers.money.reconcile` records it: one short and one amount mismatch left open."""
    with live.platform.uow() as uow:
        run = ReconciliationRun(statement_date="2026-11-24", triggered_by="schedule", status="done",
                                summary={"lines": 412, "findings": 2})
        uow.session.add(run)
        uow.session.flush()
        short = Discrepancy(run_id=run.id, order_no="TP20261124AAB", kind="platform_only", platform_fen=5000,
                            detail="on our side only", status="open")
        mismatch = Discrepancy(run_id=run.id, order_no="TP20261124AAC", kind="amount_mismatch", platform_fen=10000,
                               bank_fen=1000, detail="bank 10.00, ours 100.00", status="open")
        uow.session.add_all([short, mismatch])
        uow.session.flush()
        ids = (run.id, short.id, mismatch.id)
        uow.commit()
    return ids


def test_a_discrepancy_is_resolved_with_the_decision_recorded(live: Stack, browser: webdriver.Chrome,
                                                              boss: str) -> None:
    run_id, short_id, mismatch_id = _reconciliation_with_two_discrepancies(live)
    browser.get(f"{live.ingress_url}/admin/reconciliation")
    assert "2026-11-24" in wait_for(browser, "table").text
    browser.get(f"{live.ingress_url}/admin/reconciliation/{run_id}")
    row = wait_for(browser, f"#discrepancy-{mismatch_id}")
    assert "金额不符" in row.text
    Select(row.find_element(By.NAME, "decision")).select_by_value("reversed_at_bank")
    row.find_element(By.NAME, "note").send_keys("银行少付，已冲正")
    row.find_element(By.CSS_SELECTOR, "button").click()
    wait_for(browser, ".flash.ok")  # the page after the redirect, not the one the click left
    assert browser.find_element(By.CSS_SELECTOR, f"#discrepancy-{mismatch_id} .state").text == "已处理"
    assert browser.find_element(By.CSS_SELECTOR, f"#discrepancy-{short_id} .state").text == "待处理"
    shoot(browser, "reconciliation-resolved")
    with live.platform.uow() as uow:
        stored = uow.session.get_one(Discrepancy, mismatch_id)
        assert (stored.status, stored.decision, stored.operator) == ("resolved", "reversed_at_bank", boss)
        entry = uow.session.execute(select(AuditEntry).where(AuditEntry.target == f"discrepancy {mismatch_id}")
                                    ).scalar_one()
        assert entry.before is not None and entry.after is not None
        assert entry.operator == boss and entry.after["decision"] == "reversed_at_bank"
        assert entry.before["status"] == "open" and entry.after["note"] == "银行少付，已冲正"
