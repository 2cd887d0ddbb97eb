"""对账 in a real browser (issue 15): a clerk starts a run for a date and watches it work; what the run
repaired by itself reads 已自动修复 with its detail and no form; a fee payment the fee system never booked
waits for a decision; runs are numbered, timed and say who started them."""

from __future__ import annotations

import re
import uuid

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from events.campus_time import SHANGHAI
from store.tables import Discrepancy, MoneyOrder, utcnow
from tests.e2e.backoffice_browser import boss, shoot, wait_for
from tests.harness import Stack, new_openid

pytestmark = pytest.mark.e2e
__all__ = ["boss"]  # the fixture this module imports


def _orphan_debit_and_unbooked_fee(live: Stack) -> tuple[str, str]:
    """A bank debit for no order of ours, and a fee payment done here the fee system never booked."""
    assert live.platform.money is not None
    orphan, fee = f"T{uuid.uuid4().hex[:10].upper()}Z", f"F{uuid.uuid4().hex[:10].upper()}Z"
    assert live.platform.money.bank.debit(f"{orphan}:debit", order_no=orphan, account="20240001",
                                          amount_fen=1500).applied
    now = utcnow()
    with live.platform.uow() as uow:
        uow.session.add(MoneyOrder(order_no=fee, kind="power", openid=new_openid(), student_no="20240001",
                                   target="10-305", amount_fen=2500, status="done", created_at=now, expires_at=now,
                                   confirmed_at=now, moved_at=now, finished_at=now))
        uow.commit()
    return orphan, fee


def test_a_clerk_starts_a_reconciliation_and_watches_it_finish(live: Stack, browser: webdriver.Chrome,
                                                                boss: str) -> None:
    orphan, fee = _orphan_debit_and_unbooked_fee(live)
    today = utcnow().astimezone(SHANGHAI).date().isoformat()
    browser.get(f"{live.ingress_url}/admin/reconciliation")
    day = wait_for(browser, "#reconcile-date")
    browser.execute_script("arguments[0].value = arguments[1]", day, today)
    browser.find_element(By.ID, "start-reconciliation").click()
    assert "对账已开始" in wait_for(browser, ".flash.ok").text
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "run-status").text == "已完成")
    assert f"后台：{boss}" in browser.find_element(By.ID, "run").text
    repaired = browser.find_element(By.XPATH, f"//tr[td[normalize-space()='{orphan}']]")
    assert "已自动修复" in repaired.text and "已自动冲正这笔孤立扣款" in repaired.text
    assert not repaired.find_elements(By.TAG_NAME, "form")
    waiting = browser.find_element(By.XPATH, f"//tr[td[normalize-space()='{fee}']]")
    assert "缴费短款" in waiting.text and "宿舍电费没有这笔收款记录" in waiting.text and "待处理" in waiting.text
    assert waiting.find_elements(By.NAME, "decision")
    assert int(browser.find_element(By.ID, "automatic-count").text) >= 1
    assert int(browser.find_element(By.ID, "waiting-count").text) >= 1
    shoot(browser, "reconciliation-run", phone=True)
    run_id = browser.current_url.rstrip("/").split("/")[-1].split("?")[0]
    browser.get(f"{live.ingress_url}/admin/reconciliation")
    row = wait_for(browser, f"#run-{run_id}")
    assert f"第 {run_id} 次" in row.text and today in row.text and f"后台：{boss}" in row.text
    assert re.search(r"缴费短款（缴费系统无记录） [1-9]", row.text)
    shoot(browser, "reconciliation", phone=True)
    with live.platform.uow() as uow:
        kinds = dict(uow.session.execute(select(Discrepancy.order_no, Discrepancy.status)
                                         .where(Discrepancy.run_id == int(run_id))).all())
        assert kinds[orphan] == "repaired" and kinds[fee] == "open"
