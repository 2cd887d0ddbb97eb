"""运行监控's 上线检查: the checks of `onecard doctor`, run by a clerk's click, shown with the page."""

from __future__ import annotations

import re

from events.menu import menu_json
from tests.harness import Stack
from tests.integration.backoffice.client import audit_entries, signed_in


def test_an_operator_runs_the_checks_and_operations_shows_each_line(stack: Stack) -> None:
    stack.platform.wechat.create_menu(menu_json(stack.settings.resolved_public_url))
    operator = signed_in(stack, "operator")
    before = operator.get("/operations")
    assert "上线检查" in before.text

    ran = operator.post("/operations/checks")
    assert ran.status_code == 303 and "/operations" in ran.headers["location"]
    page = operator.get("/operations?ok=checked")
    assert page.status_code == 200 and "上线检查已完成" in page.text
    section = page.text[page.text.index('id="checks"'):page.text.index("</section>", page.text.index('id="checks"'))]
    lines = re.findall(r'<li class="check-(\w+)"><b>(.) ([^<]+)</b>', section)
    names = {name: (status, mark) for status, mark, name in lines}
    assert names["数据库"] == ("ok", "✔") and names["回调地址"] == ("ok", "✔") and names["模板消息"] == ("ok", "✔")
    assert names["HTTPS 证书"] == ("warn", "⚠")  # plain http on the embedded default
    assert "外部系统·卡务系统" in names and "磁盘空间" in names
    assert "项检查都没有阻碍上线" in section
    assert [e.action for e in audit_entries(stack, operator.username)][-1] == "deployment checked"


def test_an_auditor_sees_the_last_checks_but_no_button_to_run_them(stack: Stack) -> None:
    auditor = signed_in(stack, "auditor")
    page = auditor.get("/operations")
    assert page.status_code == 200 and "上线检查" in page.text
    assert "/operations/checks" not in page.text
    assert auditor.post("/operations/checks").status_code == 403
