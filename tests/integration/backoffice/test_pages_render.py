"""Every page renders with real rows in it, and the command line makes the first operator."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import cast

from adapters.cardsystem.port import CardSystem, Transaction
from backoffice.stats import Tx, buckets, merchant_ranking, transactions_by_kind
from events.campus_time import SHANGHAI
from events.routing import FEATURE_LABELS, features
from store.tables import Article, Discrepancy, ReconciliationRun, utcnow
from tests.harness import ROOT, Stack, new_openid
from tests.integration.backoffice.client import admin_client, audit_entries, signed_in
from tests.integration.backoffice.fixtures import add_binding, add_ticket
from tests.unit.fakes import FakeCardSystem


def test_every_page_renders_with_rows_in_it(stack: Stack) -> None:
    admin = signed_in(stack, "super-admin")
    openid = new_openid()
    add_binding(stack, openid, name="孙八")
    ticket_id = add_ticket(stack, openid)
    with stack.platform.uow() as uow:
        article = Article(kind="guide", title="补办校园卡", body="携带身份证到服务中心。", status="draft")
        uow.session.add(article)
        uow.commit()
        article_id = article.id
    pages = {
        "/": "已绑定用户", "/features": "bind", "/articles": "补办校园卡", f"/articles/{article_id}": "修改草稿",
        "/articles/new": "保存草稿", "/bindings": "孙八", f"/bindings/{openid}": "解除绑定",
        "/tickets": "一食堂二楼", f"/tickets/{ticket_id}": "刷卡没反应", "/analytics?period=month": "chart-active",
        "/reconciliation": "开始对账", "/operations": "queue-reply", "/operators": admin.username,
        "/audit": "登录",
    }
    for path, expected in pages.items():
        page = admin.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert expected in page.text, path
        assert page.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in \
            page.headers["content-security-policy"]
    assert admin.get("/articles/999999").status_code == 404
    assert admin.get("/reconciliation/999999").status_code == 404


def test_the_command_line_creates_the_first_super_admin(stack: Stack) -> None:
    env = {**os.environ, **stack.env}
    done = subprocess.run([sys.executable, "-m", "onecard.cli", "admin", "create-user", "chief", "--role",
                           "super-admin", "--password-stdin"], input="a strong first password\n", text=True,
                          env=env, cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "a strong first password" not in done.stdout + done.stderr
    admin = admin_client(stack)
    assert admin.sign_in("chief", "a strong first password").status_code == 303
    assert admin.get("/operators").status_code == 200
    again = subprocess.run([sys.executable, "-m", "onecard.cli", "admin", "create-user", "chief",
                            "--password-stdin"], input="another password!\n", text=True, env=env, cwd=ROOT,
                           capture_output=True, timeout=60)
    assert again.returncode == 1 and "已存在" in again.stderr
    assert [e.action for e in audit_entries(stack, "chief")] == ["sign-in"]


def test_figures_are_bucketed_by_shanghai_day_and_transactions_by_kind() -> None:
    now = utcnow()
    days = buckets("day", now)
    assert len(days) == 30 and days[-1] == now.astimezone(SHANGHAI).strftime("%Y-%m-%d")
    assert len(buckets("month", now)) == 12
    txs = [Tx(now, "topup", 5000), Tx(now, "topup", 150), Tx(now, "电费", 2000)]
    table = transactions_by_kind(txs, "day", now)
    assert table.columns == ["日期", "topup 笔数", "电费 笔数", "topup 金额（元）", "电费 金额（元）"]
    assert table.rows[-1] == [days[-1], 2, 1, "51.50", "20.00"]
    card = FakeCardSystem()  # the merchant ranking is the card system's report, canteens and shops included
    card.statements["20240001"] = [
        Transaction("1", now, -1200, "一食堂", "餐饮", 8800), Transaction("2", now, -300, "一食堂", "餐饮", 8500),
        Transaction("3", now, -2000, "校园超市", "购物", 6500), Transaction("4", now, 5000, "微信充值", "充值", 11500),
        Transaction("5", now - timedelta(days=40), -9900, "二食堂", "餐饮", 100)]
    ranking = merchant_ranking(cast(CardSystem, card), now - timedelta(days=30), now + timedelta(seconds=1))
    assert ranking.rows == [["校园超市", "购物", 1, "20.00"], ["一食堂", "餐饮", 2, "15.00"]]


def test_every_feature_switch_has_a_chinese_name() -> None:
    assert set(features()) <= set(FEATURE_LABELS)


def test_a_discrepancy_repaired_by_the_run_offers_no_decision_and_refuses_one(stack: Stack) -> None:
    admin = signed_in(stack, "operator")
    with stack.platform.uow() as uow:
        run = ReconciliationRun(statement_date="2026-11-20", triggered_by="schedule", status="done", summary={})
        uow.session.add(run)
        uow.session.flush()
        item = Discrepancy(run_id=run.id, order_no="TP20261120AAA", kind="bank_only", bank_fen=100,
                           detail="orphan debit reversed", status="repaired")
        uow.session.add(item)
        uow.commit()
        run_id, item_id = run.id, item.id
    page = admin.get(f"/reconciliation/{run_id}")
    assert "已自动修复" in page.text and f"/discrepancies/{item_id}/resolve" not in page.text
    answer = admin.post(f"/reconciliation/discrepancies/{item_id}/resolve", {"decision": "no_action", "note": "看过"})
    assert answer.status_code == 303 and "err=" in answer.headers["location"]
    with stack.platform.uow() as uow:
        assert uow.session.get_one(Discrepancy, item_id).status == "repaired"
