"""Every route of the back-office refuses whoever may not use it, on the server (walks the route table)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backoffice.roles import ROLES, Perm, allowed
from backoffice.routes import ROUTES
from backoffice.web import Page
from store.tables import AuditEntry
from tests.harness import Stack
from tests.integration.backoffice.client import Admin, admin_client, signed_in

SAMPLE = {"feature": "bind", "id": "1", "openid": "o-nobody", "table": "bindings", "topic": "reply",
          "kind": "spending"}
PROTECTED = [page for page in ROUTES if page.perm is not Perm.PUBLIC]


def concrete(page: Page) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE[m.group(1)], page.path)


def call(admin: Admin, page: Page, csrf: bool = True) -> int:
    path = concrete(page)
    answer = admin.get(path) if page.method == "GET" else admin.post(path, {"enabled": "0"}, csrf=csrf)
    return answer.status_code


def audit_count(stack: Stack) -> int:
    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


@pytest.fixture(scope="module")
def admins(stack: Stack) -> dict[str, Admin]:
    return {role: signed_in(stack, role) for role in ROLES}


def test_the_route_table_covers_every_route_of_the_app(stack: Stack) -> None:
    mounted = {(page.method, page.path) for page in ROUTES}
    assert len(mounted) == len(ROUTES) and len(PROTECTED) >= 30


@pytest.mark.parametrize("page", PROTECTED, ids=lambda p: f"{p.method} {p.path}")
def test_a_request_without_a_session_is_refused(stack: Stack, page: Page) -> None:
    before = audit_count(stack)
    answer = admin_client(stack).get(concrete(page)) if page.method == "GET" else \
        admin_client(stack).post(concrete(page), {"csrf": "x"})
    if page.method == "GET":
        assert answer.status_code == 303 and "/admin/login" in answer.headers["location"]
    else:
        assert answer.status_code == 401
    assert audit_count(stack) == before


@pytest.mark.parametrize("page", PROTECTED, ids=lambda p: f"{p.method} {p.path}")
def test_a_role_without_the_permission_is_refused(stack: Stack, admins: dict[str, Admin], page: Page) -> None:
    refused = [role for role in ROLES if not allowed(role, page.perm)]
    before = audit_count(stack)
    for role in refused:
        assert call(admins[role], page) == 403, role
    assert audit_count(stack) == before
    for role in set(ROLES) - set(refused):
        if page.method == "GET":
            assert call(admins[role], page) in (200, 404), role


@pytest.mark.parametrize("page", [p for p in PROTECTED if p.method == "POST"], ids=lambda p: p.path)
def test_a_form_without_its_csrf_token_is_refused(stack: Stack, admins: dict[str, Admin], page: Page) -> None:
    before = audit_count(stack)
    assert call(admins["super-admin"], page, csrf=False) == 403
    assert audit_count(stack) == before


def test_an_auditor_sees_the_pages_without_a_single_form_that_changes_anything(admins: dict[str, Admin]) -> None:
    auditor = admins["auditor"]
    for path in ("/features", "/articles", "/bindings", "/tickets", "/operations", "/reconciliation", "/audit",
                 "/templates"):
        page = auditor.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r"<form[^>]*>", page.text)
        actions = [m.group(1) for f in forms if 'method="post"' in f
                   for m in [re.search(r'action="([^"]+)"', f)] if m]
        assert actions == ["/admin/logout"], (path, actions)
