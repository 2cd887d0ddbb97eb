"""The pipeline every page goes through: who is looking (WeChat's word), their binding, the switch.

No session: the phone is sent to WeChat's authorization first. A page handler then only ever sees
the holder bound to the session's openid: no page takes a student number, so no URL or parameter
reaches another holder's data. Handlers run in a thread (the card system is asked over HTTP).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from adapters.wechat.oauth import authorize_url
from events.errors import PermanentError, TransientError
from pages.session import SESSION_COOKIE, STATE_SECONDS, new_state, state_cookie
from pages.web import Ctx, Page, PagesDeps, render
from store.tables import Binding
from workers.runtime.switches import paused_message

log = logging.getLogger("onecard.pages")
UNREACHABLE = "校园卡系统暂时无法访问，请稍后再试。"
BROKEN = "暂时无法查询，请稍后再试。如持续出现请联系校园卡服务中心。"


def here(request: Request) -> str:
    """The page asked for, with its query: where to come back to."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def to_wechat(request: Request, deps: PagesDeps) -> Response:
    """No session: ask WeChat who this is, remembering the state and the page to come back to."""
    now = int(deps.clock().timestamp())
    state = new_state()
    back = here(request)
    callback = f"{deps.config.public_url}/m/auth"
    response = RedirectResponse(authorize_url(deps.config.oauth_base, deps.config.appid, callback, state),
                                status_code=302)
    response.set_cookie(state_cookie(state), deps.signer.sign(state, back, expires=now + STATE_SECONDS),
                        max_age=STATE_SECONDS, path="/m/", httponly=True, samesite="lax")
    return response


def handle(page: Page, deps: PagesDeps, request: Request) -> Response:
    now = deps.clock()
    parts = deps.signer.verify(request.cookies.get(SESSION_COOKIE), int(now.timestamp()), 1)
    if parts is None:
        if page.api:
            return JSONResponse({"error": "登录已过期，请重新打开页面"}, status_code=401)
        return to_wechat(request, deps)
    openid = parts[0]
    with deps.uow() as uow:
        binding = uow.session.get(Binding, openid)
        if binding is None:
            if page.api:
                return JSONResponse({"error": "未绑定校园卡"}, status_code=403)
            return render(request, "unbound.html", 200)
        paused = paused_message(uow.session, page.feature)
        if paused is not None:
            if page.api:
                return JSONResponse({"error": paused}, status_code=503)
            return render(request, "paused.html", 200, message=paused, name=binding.name)
        try:
            return page.handler(Ctx(request, deps, uow.session, openid, binding, now))
        except (TransientError, PermanentError) as exc:
            # The card system or the school's data store failed us: say so, keep the page usable.
            log.warning("page %s failed: %s: %s", page.path, type(exc).__name__, exc)
            why = UNREACHABLE if isinstance(exc, TransientError) else BROKEN
            if page.api:
                return JSONResponse({"error": why}, status_code=503)
            return render(request, "refused.html", 503, why=why, back=here(request))


def endpoint(page: Page, deps: PagesDeps) -> Callable[[Request], Any]:
    """The page's handler through the pipeline (the web process adds the security headers)."""
    async def serve(request: Request) -> Response:
        return await run_in_threadpool(handle, page, deps, request)

    return serve


def public_endpoint(handler: Callable[[Request, Session], Response], deps: PagesDeps) -> Callable[[Request], Any]:
    """A page anyone may read (a published article a push links to): no session, no binding."""
    def handle_public(request: Request) -> Response:
        with deps.uow() as uow:
            return handler(request, uow.session)

    async def serve(request: Request) -> Response:
        return await run_in_threadpool(handle_public, request)

    return serve
