"""WeChat's redirect back (`/m/auth?code=…&state=…`): check the state, trade the code, start a session.

The state must be the one this browser was given a moment ago (its signed cookie), or anyone could
send you a link that signs you in as them. The code is traded by the server, once: WeChat refuses
a second use (40163), and so we refuse the page.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from adapters.wechat.oauth import CodeRefused
from events.errors import TransientError
from pages.session import SESSION_COOKIE, safe_next, state_cookie
from pages.web import PagesDeps, render


def auth_endpoint(deps: PagesDeps) -> Callable[[Request], Awaitable[Response]]:
    async def callback(request: Request) -> Response:
        return await run_in_threadpool(_callback, deps, request)

    return callback


def _refused(request: Request, why: str, status: int, back: str = "/m/card") -> Response:
    response = render(request, "refused.html", status, why=why, back=back)
    response.delete_cookie(state_cookie(request.query_params.get("state", "")), path="/m/")
    return response


def _callback(deps: PagesDeps, request: Request) -> Response:
    now = int(deps.clock().timestamp())
    code = request.query_params.get("code", "")
    state = request.query_params.get("state", "")
    remembered = deps.signer.verify(request.cookies.get(state_cookie(state)), now, 2) if state else None
    if remembered is None or not hmac.compare_digest(remembered[0], state):
        return _refused(request, "登录校验未通过（链接已失效或并非由您发起），请从公众号菜单重新打开。", 403)
    back = safe_next(remembered[1])
    if not code:
        return _refused(request, "您没有同意授权，无法打开此页面。", 403, back)
    try:
        openid = deps.codes.openid_for(code)
    except CodeRefused:
        return _refused(request, "授权码无效或已被使用，请重新打开页面。", 403, back)
    except TransientError:
        return _refused(request, "微信授权服务暂时无法访问，请稍后再试。", 503, back)
    response = RedirectResponse(back, status_code=302)
    response.delete_cookie(state_cookie(state), path="/m/")
    response.set_cookie(SESSION_COOKIE, deps.signer.sign(openid, expires=now + deps.config.session_seconds),
                        max_age=deps.config.session_seconds, path="/m/", httponly=True, samesite="lax",
                        secure=deps.config.public_url.startswith("https://"))
    return response
