"""Security of the back-office beyond roles: headers everywhere, messages only from a catalogue,
literal search, sign-in throttling that cannot lock the office out, and one's own password."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from sqlalchemy import update

from backoffice.accounts import authenticate
from backoffice.seed import seed_demo_admin
from backoffice.throttle import ADDRESS_FREE
from store.db import begin_as_writer
from store.tables import Operator, utcnow
from tests.harness import Stack, new_openid
from tests.integration.backoffice.client import (
    PASSWORD,
    admin_client,
    audit_entries,
    make_operator,
    operator_row,
    signed_in,
)
from tests.integration.backoffice.fixtures import add_binding


def test_every_answer_under_admin_carries_the_security_headers(stack: Stack) -> None:
    admin = signed_in(stack, "operator")
    answers = {"page": admin.get("/features"), "sign-in": admin_client(stack).get("/login"),
               "static": admin.get("/static/app.css"), "404": admin.get("/no-such-page"),
               "static 404": admin.get("/static/nothing.css"), "405": admin.http.put(admin.base + "/features"),
               "bare /admin": admin.http.get(admin.base, allow_redirects=False, timeout=20)}
    assert [answers["static"].status_code, answers["404"].status_code, answers["405"].status_code] == [200, 404, 405]
    for what, answer in answers.items():
        for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
            assert header in answer.headers, (what, header)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], what


def test_a_message_in_the_url_is_shown_only_from_the_catalogue(stack: Stack) -> None:
    admin = signed_in(stack, "operator")
    phishing = "账号异常，请致电 400-000-0000 验证"
    assert phishing not in admin.get("/features", params={"err": phishing}).text
    assert phishing not in admin.get("/features", params={"ok": phishing}).text
    assert "已解除绑定并通知用户" in admin.get("/features", params={"ok": "unbound"}).text
    # parameters are numbers or names from a label table, never text
    assert "3 条消息已重新入队" in admin.get("/operations", params={"ok": "requeued", "n": "3"}).text
    page = admin.get("/operations", params={"ok": "requeued", "n": "3 条，请致电"}).text
    assert "请致电" not in page and "重新入队" not in page
    assert "余额查询 已关闭" in admin.get("/features", params={"ok": "feature_off", "feature": "balance"}).text


def test_percent_and_underscore_are_literal_in_searches(stack: Stack) -> None:
    admin = signed_in(stack, "operator")
    add_binding(stack, new_openid(), name="百分百同学")
    add_binding(stack, new_openid(), name="下划线_同学")
    everyone = admin.get("/bindings", params={"q": "%"}).text
    assert "百分百同学" not in everyone and "下划线_同学" not in everyone
    assert "下划线_同学" in admin.get("/bindings", params={"q": "_"}).text
    assert "百分百同学" not in admin.get("/bindings", params={"q": "百_百"}).text
    tickets = admin.get("/tickets", params={"q": "%"})
    assert tickets.status_code == 200


def test_a_wrong_name_and_a_wrong_password_get_the_same_answer_in_the_same_time(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    admin = admin_client(stack)
    timings: dict[str, list[float]] = {"name": [], "password": []}
    answers = set()
    for _ in range(5):
        for kind, name in (("name", f"nobody-{uuid.uuid4().hex[:6]}"), ("password", username)):
            started = time.perf_counter()
            answer = admin.sign_in(name, "wrong password")
            timings[kind].append(time.perf_counter() - started)
            answers.add((answer.status_code, re.sub(r'value="[^"]*"', "", answer.text)))  # one-off tokens aside
    assert len(answers) == 1
    fast, slow = sorted(statistics.median(t) for t in timings.values())
    assert slow < fast * 3, timings  # both verify one argon2 hash (skipping it is ten times faster)
    with stack.platform.uow() as uow:  # leave the test operator unthrottled for the rest of the session
        uow.session.execute(update(Operator).where(Operator.username == username)
                            .values(failed_logins=0, locked_until=None))
        uow.commit()


def test_a_guessing_address_waits_longer_and_longer_but_others_do_not(stack: Stack) -> None:
    username = make_operator(stack, "operator")
    attacker, office = f"203.0.113.{uuid.uuid4().int % 250}", "198.51.100.7"
    waits = []
    with stack.platform.uow() as uow:
        from backoffice import audit

        # Reads, then writes: as a writer from the start, or a worker's commit in between (the
        # session's stack is shared) fails it at once on SQLite; the pages retry instead.
        begin_as_writer(uow.session)

        for attempt in range(ADDRESS_FREE + 3):
            result = authenticate(uow.session, f"guess-{attempt}", "guess", ip=attacker)
            audit.record(uow.session, f"guess-{attempt}", "sign-in refused", ip=attacker, detail=result.outcome)
            uow.session.flush()
            waits.append(result.wait)
        # the right password from that address is refused too; from another address it works
        assert authenticate(uow.session, username, PASSWORD, ip=attacker).outcome == "throttled"
        assert authenticate(uow.session, username, PASSWORD, ip=office).outcome == "ok"
        uow.rollback()
    throttled = [w for w in waits if w]
    assert throttled and throttled == sorted(throttled) and throttled[-1] > throttled[0]


def test_a_locked_super_admin_still_signs_in_from_a_known_address_and_after_unlock(stack: Stack) -> None:
    boss = make_operator(stack, "super-admin")
    admin = admin_client(stack)
    assert admin.sign_in(boss).status_code == 303  # 127.0.0.1 is now one of the boss's addresses
    with stack.platform.uow() as uow:  # someone elsewhere guessed until the account locked
        uow.session.execute(update(Operator).where(Operator.username == boss)
                            .values(failed_logins=9, locked_until=utcnow() + timedelta(hours=1)))
        uow.commit()
    with stack.platform.uow() as uow:
        assert authenticate(uow.session, boss, PASSWORD, ip="192.0.2.50").outcome == "bad"
        assert authenticate(uow.session, boss, PASSWORD, ip="127.0.0.1").outcome == "ok"
        uow.rollback()
    # and from the command line, for a new address
    subprocess.run([sys.executable, "-m", "onecard.cli", "admin", "unlock", boss], env=stack.env, check=True,
                   capture_output=True, timeout=60)
    assert operator_row(stack, boss).locked_until is None
    assert audit_entries(stack, f"cli:{os.environ.get('USER', '?')}")[-1].action == "operator unlocked"


def test_an_operator_changes_their_own_password_and_common_ones_are_refused(stack: Stack) -> None:
    admin = signed_in(stack, "auditor")
    elsewhere = admin_client(stack)
    assert elsewhere.sign_in(admin.username).status_code == 303
    form = admin.get("/account/password")
    assert form.status_code == 200 and "修改密码" in form.text
    weak = admin.post("/account/password", {"current": PASSWORD, "new": "password123", "repeat": "password123"})
    assert weak.status_code == 400 and "太常见" in weak.text
    wrong = admin.post("/account/password", {"current": "not it", "new": "a brand new phrase",
                                             "repeat": "a brand new phrase"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    done = admin.post("/account/password", {"current": PASSWORD, "new": "a brand new phrase",
                                            "repeat": "a brand new phrase"})
    assert done.status_code == 303 and "ok=password_changed" in done.headers["location"]
    assert elsewhere.get("/").status_code == 303  # the other session ended
    assert admin.get("/").status_code == 200
    assert admin_client(stack).sign_in(admin.username, "a brand new phrase").status_code == 303
    assert [e.action for e in audit_entries(stack, admin.username)].count("password changed") == 1


def test_the_demo_super_admin_must_choose_a_new_password_at_first_sign_in(stack: Stack) -> None:
    with stack.platform.uow() as uow:  # a fresh demo: no `admin` yet in this database
        uow.session.execute(update(Operator).where(Operator.username == "admin")
                            .values(username=f"old-{uuid.uuid4().hex[:6]}"))
        uow.commit()
    folder = stack.tmp / f"demo-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    user, password = seed_demo_admin(stack.platform.engine, folder)
    admin = admin_client(stack)
    answer = admin.sign_in(user, password)
    assert answer.headers["location"] == "/admin/account/password"
    assert admin.get("/features").headers["location"] == "/admin/account/password"
    assert "首次登录" in admin.get("/account/password").text
    admin.post("/account/password", {"current": password, "new": "the office's own phrase",
                                     "repeat": "the office's own phrase"})
    assert admin.get("/features").status_code == 200
    # `make run` no longer prints (nor keeps) the generated password once it is replaced
    shown = seed_demo_admin(stack.platform.engine, folder)[1]
    assert shown != password and not (folder / "demo-admin-password").exists()


def test_a_throttled_address_is_told_to_wait_whoever_it_names(stack: Stack) -> None:
    # Behind a trusted proxy (127.0.0.1 here), the client's own address is what is counted
    address = f"203.0.113.{uuid.uuid4().int % 250}"
    admin = admin_client(stack)
    admin.http.headers["X-Forwarded-For"] = address
    tag = uuid.uuid4().hex[:6]
    for attempt in range(ADDRESS_FREE):
        assert admin.sign_in(f"nobody-{tag}-{attempt}", "guess").status_code == 401
    answer = admin.sign_in(make_operator(stack, "operator"))  # even the right password
    assert answer.status_code == 429 and "登录尝试过于频繁" in answer.text
    refused = audit_entries(stack, f"nobody-{tag}-0")[-1]
    assert refused.ip == address
    assert admin_client(stack).sign_in(make_operator(stack, "operator")).status_code == 303  # others are not
