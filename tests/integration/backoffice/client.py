"""An operator's browser over plain HTTP: signs in, keeps the cookie, fills in the CSRF token."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from sqlalchemy import select

from backoffice.accounts import create_operator
from store.db import begin_as_writer
from store.tables import AuditEntry, Operator
from tests.harness import Stack

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"


@dataclass
class Admin:
    base: str
    http: requests.Session
    username: str = ""
    csrf: str = ""

    def get(self, path: str, params: dict[str, str] | None = None) -> requests.Response:
        return self.http.get(self.base + path, params=params, allow_redirects=False, timeout=20)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True) -> requests.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        return self.http.post(self.base + path, data=form, allow_redirects=False, timeout=20)

    def sign_in(self, username: str, password: str = PASSWORD) -> requests.Response:
        page = self.get("/login")
        token = CSRF.search(page.text)
        assert token, page.text
        answer = self.http.post(self.base + "/login", data={"csrf": token.group(1), "username": username,
                                                            "password": password}, allow_redirects=False, timeout=20)
        if answer.status_code == 303:
            self.username = username
            home = self.http.get(urljoin(self.base, answer.headers["location"]), timeout=20)
            found = CSRF.search(home.text)
            assert found, home.text
            self.csrf = found.group(1)
        return answer


def admin_client(stack: Stack) -> Admin:
    return Admin(stack.ingress_url + "/admin", requests.Session())


def make_operator(stack: Stack, role: str, password: str = PASSWORD) -> str:
    username = f"{role}-{uuid.uuid4().hex[:6]}"
    with stack.platform.uow() as uow:
        # A writer from the first statement: on SQLite a read-then-insert fails at once ("database is
        # locked") when a worker commits in between, as workers do while earlier tests' events drain.
        begin_as_writer(uow.session)
        create_operator(uow.session, username, password, role, created_by="test")
        uow.commit()
    return username


def signed_in(stack: Stack, role: str) -> Admin:
    admin = admin_client(stack)
    answer = admin.sign_in(make_operator(stack, role))
    assert answer.status_code == 303, answer.text
    return admin


def first_group(pattern: str, text: str) -> str:
    """The first group of pattern's first match in text; the test fails when there is none."""
    found = re.search(pattern, text)
    assert found, (pattern, text[:500])
    return found.group(1)


def audit_entries(stack: Stack, operator: str) -> list[AuditEntry]:
    with stack.platform.uow() as uow:
        rows = uow.session.execute(select(AuditEntry).where(AuditEntry.operator == operator)
                                   .order_by(AuditEntry.id)).scalars().all()
        uow.session.expunge_all()
        return list(rows)


def operator_row(stack: Stack, username: str) -> Operator:
    with stack.platform.uow() as uow:
        row = uow.session.execute(select(Operator).where(Operator.username == username)).scalar_one()
        uow.session.expunge(row)
        return row
