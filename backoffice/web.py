"""The request pipeline every back-office page goes through: session, role, CSRF, then the handler.

Handlers are plain synchronous functions `handler(ctx) -> Response`, run in a thread so that the
database work of an operator never holds up the WeChat ingress sharing this process.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from backoffice import audit, flash, templating
from backoffice.roles import ROLE_LABELS, Perm, allowed
from backoffice.sessions import COOKIE, Current, load
from onecard.bootstrap import Platform
from store.db import retry_locked
from store.uow import UnitOfWork

HERE = Path(__file__).parent
TEMPLATES = templating.create(str(HERE / "templates"))

Handler = Callable[["Ctx"], Response]

#: Where an operator whose password someone else chose may go before choosing their own.
PASSWORD_PAGE = "/account/password"
MAY_BEFORE_NEW_PASSWORD = frozenset({PASSWORD_PAGE, "/logout"})


@dataclass(frozen=True)
class Page:
    """One route of the back-office and the permission it needs (the route table tests walk this)."""

    method: str
    path: str
    perm: Perm
    handler: Handler


@dataclass
class Ctx:
    """What a handler gets: the request, its form, the operator, one unit of work, and the platform
    (its broker and pusher) for the workers' functions a page calls."""

    request: Request
    form: dict[str, str]
    current: Current | None
    uow: UnitOfWork
    platform: Platform

    @property
    def base(self) -> str:
        return str(self.request.scope.get("root_path", "")).rstrip("/")

    @property
    def signed_in(self) -> Current:
        """The operator of a page behind the sign-in (every page but the sign-in form's)."""
        assert self.current is not None
        return self.current

    @property
    def operator(self) -> str:
        return self.signed_in.username

    @property
    def ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def int_param(self, name: str) -> int:
        return int(self.request.path_params[name])

    def can(self, perm: str) -> bool:
        return self.current is not None and allowed(self.current.role, Perm(perm))

    def audit(self, action: str, target: str | None = None, **kwargs: Any) -> None:
        audit.record(self.uow.session, self.operator, action, target, ip=self.ip, **kwargs)

    def audit_apart(self, action: str, target: str | None = None, **kwargs: Any) -> None:
        """Audit what a workers' function already committed in its own transaction: a short one of its own."""
        def write() -> None:
            with self.platform.uow() as uow:
                audit.record(uow.session, self.operator, action, target, ip=self.ip, **kwargs)
                uow.commit()

        retry_locked(write)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        query = self.request.query_params
        context.update(current=self.current, base=self.base, can=self.can, role_labels=ROLE_LABELS,
                       flash=flash.text(query.get("ok"), query),
                       error=context.get("error") or flash.text(query.get("err"), query), path=self.request.url.path)
        return TEMPLATES.TemplateResponse(self.request, template, context, status_code=status_code)

    def redirect(self, path: str, ok: str | None = None, err: str | None = None,
                 **params: str | int) -> RedirectResponse:
        """See `path`, with a message of the fixed catalogue (`flash.MESSAGES`) by its code."""
        assert all(code in flash.MESSAGES for code in (ok, err) if code), (ok, err)
        query = urlencode({k: v for k, v in (("ok", ok), ("err", err), *params.items()) if v is not None and v != ""})
        sep = "&" if "?" in path else "?"
        return RedirectResponse(f"{self.base}{path}{sep + query if query else ''}", status_code=303)


def refuse(ctx: Ctx, status: int, why: str) -> Response:
    if ctx.request.method == "GET" and ctx.current is not None:
        return ctx.render("refused.html", status_code=status, why=why)
    return PlainTextResponse(why, status_code=status)


def handle(page: Page, platform: Platform, request: Request, form: dict[str, str]) -> Response:
    """Authenticate, authorise and check CSRF before the handler sees anything.

    SQLite refuses a transaction that read and then writes after a worker committed: the request is
    then handled again from the start. (Handlers that call a workers' function committing on its own do
    so only after their last possible failure, and audit it apart.)
    """
    return retry_locked(lambda: _handle_once(page, platform, request, form))


def _handle_once(page: Page, platform: Platform, request: Request, form: dict[str, str]) -> Response:
    with platform.uow() as uow:
        current = load(uow.session, request.cookies.get(COOKIE))
        ctx = Ctx(request, form, current, uow, platform)
        if page.perm is not Perm.PUBLIC:
            if current is None:
                if request.method == "GET":
                    login = f"{ctx.base}/login?next={quote(request.url.path)}"
                    return RedirectResponse(login, status_code=303)
                return PlainTextResponse("请先登录", status_code=401)
            if current.must_change_password and page.path not in MAY_BEFORE_NEW_PASSWORD:
                if request.method == "GET":
                    return RedirectResponse(f"{ctx.base}{PASSWORD_PAGE}", status_code=303)
                return PlainTextResponse("请先修改密码", status_code=403)
            if not allowed(current.role, page.perm):
                return refuse(ctx, 403, "您的角色无权执行此操作")
            if request.method == "POST" and not hmac.compare_digest(form.get("csrf", ""), current.csrf_token):
                return refuse(ctx, 403, "表单已失效（CSRF 校验失败），请刷新页面后重试")
        try:
            return page.handler(ctx)
        except LookupError as exc:
            return refuse(ctx, 404, f"未找到：{exc}")


def endpoint(page: Page, platform: Platform) -> Callable[[Request], Any]:
    async def serve(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            async with request.form(max_files=0, max_fields=100) as data:
                form = {key: str(value) for key, value in data.items()}
        return await run_in_threadpool(handle, page, platform, request, form)

    return serve
