"""Sign-in: argon2id hashes, lock-out, expiring sessions, CSRF on the sign-in form itself."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from backoffice.accounts import MAX_FAILURES
from backoffice.sessions import IDLE
from store.tables import OperatorSession, utcnow
from tests.harness import Stack
from tests.integration.backoffice.client import (
    PASSWORD,
    admin_client,
    audit_entries,
    make_operator,
    operator_row,
    signed_in,
)


def test_an_operator_signs_in_and_the_password_is_stored_as_argon2id(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    admin = admin_client(stack)
    answer = admin.sign_in(username)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert admin.get("/").status_code == 200
    stored = operator_row(stack, username).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert [e.action for e in audit_entries(stack, username)] == ["sign-in"]


def test_a_wrong_password_is_refused_and_recorded(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    answer = admin_client(stack).sign_in(username, "not the password")
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
    assert operator_row(stack, username).failed_logins == 1
    assert [(e.action, e.detail) for e in audit_entries(stack, username)] == [("sign-in refused", "bad")]


def test_repeated_failures_lock_the_account_even_for_the_right_password(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    admin = admin_client(stack)
    for _ in range(MAX_FAILURES):
        admin.sign_in(username, "guess")
    answer = admin.sign_in(username, PASSWORD)
    # The same answer as a wrong password: a guesser learns nothing, not even that the account exists
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
    assert operator_row(stack, username).locked_until is not None


def test_the_sign_in_form_needs_its_csrf_token(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    admin = admin_client(stack)
    admin.get("/login")
    answer = admin.http.post(admin.base + "/login", data={"username": username, "password": PASSWORD},
                             allow_redirects=False, timeout=20)
    assert answer.status_code == 403
    assert admin.get("/").status_code == 303  # still signed out


def test_an_idle_session_expires(stack: Stack) -> None:
    admin = signed_in(stack, "operator")
    with stack.platform.uow() as uow:
        uow.session.execute(update(OperatorSession).values(last_seen_at=utcnow() - IDLE - timedelta(seconds=1))
                            .where(OperatorSession.operator_id == operator_row(stack, admin.username).id))
        uow.commit()
    answer = admin.get("/features")
    assert answer.status_code == 303 and "/admin/login" in answer.headers["location"]


def test_signing_out_ends_the_session_on_the_server(stack: Stack) -> None:
    admin = signed_in(stack, "auditor")
    cookies = admin.http.cookies.copy()
    assert admin.post("/logout").status_code == 303
    admin.http.cookies = cookies  # the old cookie replayed
    assert admin.get("/").status_code == 303


def test_a_disabled_operator_is_signed_out_at_once(stack: Stack) -> None:
    boss = signed_in(stack, "super-admin")
    victim = signed_in(stack, "operator")
    victim_id = operator_row(stack, victim.username).id
    assert boss.post(f"/operators/{victim_id}/disabled", {"disabled": "1"}).status_code == 303
    assert victim.get("/").status_code == 303
    assert victim.sign_in(victim.username).status_code == 401


def test_sign_in_never_redirects_outside_the_back_office(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    admin = admin_client(stack)
    page = admin.get("/login")
    from tests.integration.backoffice.client import CSRF

    found = CSRF.search(page.text)
    assert found, page.text
    token = found.group(1)
    answer = admin.http.post(admin.base + "/login", data={"csrf": token, "username": username, "password": PASSWORD,
                                                          "next": "https://evil.example/"}, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/"
