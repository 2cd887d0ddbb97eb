"""Sign-in and sign-out. The sign-in form's CSRF token is a double-submit cookie (no session yet)."""

from __future__ import annotations

import hmac
import math
import secrets

from starlette.responses import RedirectResponse, Response

from backoffice import audit
from backoffice.accounts import authenticate
from backoffice.roles import Perm
from backoffice.sessions import ABSOLUTE, COOKIE, close_session, open_session
from backoffice.web import PASSWORD_PAGE, Ctx, Page

LOGIN_CSRF = "onecard_admin_login"
MESSAGES = {
    "bad": "用户名或密码错误",
    "throttled": "登录尝试过于频繁，请 {minutes} 分钟后再试",
    "disabled": "该账号已停用",
}
STATUS = {"throttled": 429}


def _form(ctx: Ctx, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = ctx.render("login.html", status_code=status, login_csrf=token, error=error,
                          next=ctx.request.query_params.get("next", ""))
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path=f"{ctx.base}/login",
                        secure=ctx.request.url.scheme == "https")
    return response


def login_page(ctx: Ctx) -> Response:
    if ctx.current is not None:
        return ctx.redirect("/")
    return _form(ctx)


def login(ctx: Ctx) -> Response:
    cookie = ctx.request.cookies.get(LOGIN_CSRF, "")
    if not cookie or not hmac.compare_digest(cookie, ctx.form.get("csrf", "")):
        return _form(ctx, "表单已失效，请重新登录", status=403)
    username = ctx.form.get("username", "")[:64]
    result = authenticate(ctx.uow.session, username, ctx.form.get("password", ""), ip=ctx.ip)
    if result.outcome != "ok" or result.operator_id is None:
        audit.record(ctx.uow.session, username or "?", "sign-in refused", username, ip=ctx.ip, detail=result.outcome)
        ctx.uow.commit()
        minutes = max(1, math.ceil(result.wait.total_seconds() / 60))
        return _form(ctx, MESSAGES[result.outcome].format(minutes=minutes), status=STATUS.get(result.outcome, 401))
    token = open_session(ctx.uow.session, result.operator_id)
    audit.record(ctx.uow.session, username, "sign-in", username, ip=ctx.ip)
    ctx.uow.commit()
    target = ctx.form.get("next", "")
    # Only paths inside the back-office: never an open redirect.
    path = target[len(ctx.base):] if target.startswith(f"{ctx.base}/") and "//" not in target else "/"
    if result.must_change_password:
        path = PASSWORD_PAGE
    response = ctx.redirect(path)
    response.set_cookie(COOKIE, token, max_age=int(ABSOLUTE.total_seconds()), httponly=True, samesite="strict",
                        path=ctx.base or "/", secure=ctx.request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF, path=f"{ctx.base}/login")
    return response


def logout(ctx: Ctx) -> Response:
    assert ctx.current is not None
    close_session(ctx.uow.session, ctx.current.session_id)
    ctx.audit("sign-out", ctx.operator)
    ctx.uow.commit()
    response: RedirectResponse = ctx.redirect("/login")
    response.delete_cookie(COOKIE, path=ctx.base or "/")
    return response


PAGES = [
    Page("GET", "/login", Perm.PUBLIC, login_page),
    Page("POST", "/login", Perm.PUBLIC, login),
    Page("POST", "/logout", Perm.VIEW, logout),
]
