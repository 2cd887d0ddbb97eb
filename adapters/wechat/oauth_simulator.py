"""The simulator's side of web authorization: the authorize redirect and the code exchange.

In WeChat the phone itself knows who is signed in. Here the chat simulator says so with the
`wxsim_openid` cookie (cookies ignore the port, so the web view on the web process and the
simulator on its own port share it); without it a small page asks which follower you are.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

#: Who the simulated WeChat client is signed in as (set by the chat simulator's web view).
OPENID_COOKIE = "wxsim_openid"
CODE_TTL_SECONDS = 300


@dataclass
class Issued:
    openid: str
    expires: float
    used: bool = False


class OAuthSimulator:
    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self.codes: dict[str, Issued] = {}
        self.lock = threading.Lock()
        #: What happened, for the chat simulator to show the round trip (`/_sim/oauth`).
        self.journal: list[dict[str, object]] = []

    def _note(self, openid: str, step: str, **details: object) -> None:
        with self.lock:
            self.journal.append({"seq": len(self.journal) + 1, "at": time.time(), "openid": openid, "step": step,
                                 **details})

    def issue(self, openid: str, redirect_uri: str = "") -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = Issued(openid, time.time() + CODE_TTL_SECONDS)
        self._note(openid, "authorize", code=code[:6] + "…", redirect_uri=redirect_uri)
        return code

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("appid") != self.appid:
            return HTMLResponse("<p>appid 参数错误（10003 redirect_uri 域名与后台配置不一致）</p>", status_code=400)
        if q.get("scope") != "snsapi_base" or q.get("response_type") != "code" or not q.get("redirect_uri"):
            return HTMLResponse("<p>scope 参数错误或没有 scope 权限（10005）</p>", status_code=400)
        openid = q.get("openid") or request.cookies.get(OPENID_COOKIE)
        if not openid:
            return HTMLResponse(_who_page(str(request.url)))
        back = q["redirect_uri"]
        query = urlencode({"code": self.issue(openid, back), "state": q.get("state", "")})
        return RedirectResponse(f"{back}{'&' if '?' in back else '?'}{query}", status_code=302)

    async def access_token(self, request: Request) -> Response:
        q = request.query_params
        if q.get("appid") != self.appid or q.get("secret") != self.secret:
            return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
        if q.get("grant_type") != "authorization_code":
            return JSONResponse({"errcode": 40002, "errmsg": "invalid grant_type"})
        return JSONResponse(self.exchange(q.get("code", "")))

    def exchange(self, code: str) -> dict[str, object]:
        """What `sns/oauth2/access_token` answers for `code`: an openid once, then 40163."""
        with self.lock:
            issued = self.codes.get(code)
            refused = (40163 if issued is not None and issued.used
                       else 40029 if issued is None or issued.expires < time.time() else 0)
            if issued is not None and not refused:
                issued.used = True
        if issued is not None:
            self._note(issued.openid, "access_token", code=code[:6] + "…", errcode=refused)
        if refused or issued is None:
            return {"errcode": refused, "errmsg": "code been used" if refused == 40163 else "invalid code"}
        return {"access_token": secrets.token_urlsafe(32), "expires_in": 7200,
                "refresh_token": secrets.token_urlsafe(32), "openid": issued.openid, "scope": "snsapi_base"}

    async def sim_journal(self, request: Request) -> Response:
        """`?openid=…&after=<seq>`: the authorizations and code exchanges since `after`."""
        openid, after = request.query_params.get("openid"), int(request.query_params.get("after", "0") or 0)
        with self.lock:
            found = [e for e in self.journal if int(str(e["seq"])) > after and openid in (None, e["openid"])]
        return JSONResponse(found)

    def routes(self) -> list[Route]:
        return [Route("/connect/oauth2/authorize", self.authorize),
                Route("/sns/oauth2/access_token", self.access_token),
                Route("/_sim/oauth", self.sim_journal)]


def _who_page(url: str) -> str:
    action = html.escape(url)
    return ("<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            "<title>模拟微信授权</title><form method=get action='" + action.split("?")[0] + "'>"
            "<p>模拟器：没有正在使用的关注者。请输入 openid：</p><input name=openid required>"
            + "".join(f"<input type=hidden name='{html.escape(k)}' value='{html.escape(v)}'>"
                      for k, v in _query(url)) + "<button>进入</button></form>")


def _query(url: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(urlsplit(url).query) if k != "openid"]
