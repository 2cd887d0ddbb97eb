"""The 模板消息 page in a real browser at 1366 px and 390 px: reached from the navigation, each kind's
phone preview and missing template readable, and a template chosen for a kind and undone.

The account's templates are put in the database as a sync would leave them (the page never asks
WeChat to draw itself); no worker is needed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import delete

from store import templates as store_templates
from store.db import begin_as_writer
from store.tables import NoticeTemplate, utcnow
from tests.e2e.backoffice_browser import click_to_next_page, confirm, shoot, sign_in, wait_for
from tests.harness import Stack
from tests.integration.backoffice.client import make_operator
from tests.wechat_templates import without

pytestmark = pytest.mark.e2e


@pytest.fixture
def account(stack: Stack) -> Iterator[None]:
    """The demo account without its 余额不足提醒, as last synced; the database as found afterwards."""
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)
        kept = store_templates.templates(uow.session)
        store_templates.replace_templates(uow.session, without("余额不足提醒"), utcnow())
        uow.commit()
    yield
    with stack.platform.uow() as uow:
        begin_as_writer(uow.session)
        store_templates.replace_templates(uow.session, kept, utcnow())
        uow.session.execute(delete(NoticeTemplate).where(NoticeTemplate.kind == "loan_due"))
        uow.commit()


def test_a_super_admin_reads_the_page_and_chooses_a_template_for_a_kind(stack: Stack, browser: webdriver.Chrome,
                                                                        account: None) -> None:
    sign_in(browser, stack.ingress_url, make_operator(stack, "super-admin"))
    click_to_next_page(browser, By.LINK_TEXT, "模板消息")
    assert wait_for(browser, "nav a[aria-current=page]").text == "模板消息"
    preview = wait_for(browser, "#preview-spending").text
    assert "消费提醒" in preview and "消费金额：1288.50元" in preview and "卡内余额：32.60元" in preview
    reason = browser.find_element(By.ID, "reason-low_balance")
    assert reason.text == "公众号没有标题为「余额不足提醒」的模板"
    assert reason.value_of_css_property("color") == "rgba(185, 28, 28, 1)"  # in red
    shoot(browser, "templates", phone=True)

    browser.find_element(By.ID, "choose-loan_due").click()
    Select(wait_for(browser, "#template-pick")).select_by_value("TPL_announcement_10")
    click_to_next_page(browser, By.ID, "show-template")
    assert "没有对应的内容" in wait_for(browser, "#candidate-reason").text
    Select(browser.find_element(By.ID, "key-thing1")).select_by_visible_text("项目")
    shoot(browser, "template-choice")
    click_to_next_page(browser, By.ID, "save-choice")
    assert wait_for(browser, ".flash.ok").text == "「借阅到期提醒」已改用选定的模板"
    loan = browser.find_element(By.ID, "kind-loan_due").text
    assert "人工选定" in loan and "通知标题：《深入理解计算机系统（原书第3版）》" in loan

    browser.find_element(By.ID, "automatic-loan_due").click()
    confirm(browser, "借阅到期提醒")
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".flash.ok").text == "「借阅到期提醒」已恢复自动匹配")
    assert "自动匹配" in browser.find_element(By.ID, "kind-loan_due").text
