"""The WeChat API through wechatpy, with the token shared across every process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from sqlalchemy import Engine
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException

from adapters.http import HttpJsonClient, outgoing_session
from adapters.wechat.port import TEMPLATE_REFUSALS, UNDELIVERABLE, TemplateRefused, Undeliverable
from adapters.wechat.token_store import SharedTokenStore
from events.errors import OnecardError, PermanentError, TransientError
from events.notices import AccountTemplate

#: The wechatpy release `_wechatpy_client`'s touch of its insides was read from; a unit test
#: (tests/unit/test_dependency_private_parts.py) fails when another is installed.
WECHATPY_READ_FROM = "1.8.18"
#: The token is stale: refresh (once, for everybody) and try again.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: WeChat is busy or rate limiting (43117: template messages to this user too frequent): back off, retry later.
BUSY_ERRORS = frozenset({-1, 45009, 45011, 43117})
#: `menu/get` of an account whose menu was never created (or was deleted).
NO_MENU = 46003


@dataclass(frozen=True)
class CredentialsAnswer:
    """What WeChat said to the account's appid and secret: errcode 0 when it took them, and when it
    said so by its own clock (its `Date` header; None where absent)."""

    errcode: int
    errmsg: str
    date: datetime | None


def _wechatpy_client(appid: str, secret: str, api_base: str, timeout: float,
                     session: requests.Session) -> WeChatClient:
    """wechatpy's client aimed at `api_base`, sending through our outgoing session.

    wechatpy's constructor takes no HTTP session, so its private `_http` is replaced here: the one
    place onecard touches wechatpy's insides (the session is a tenth of a reply's CPU, see
    `outgoing_session`), read from wechatpy `WECHATPY_READ_FROM`, where `BaseWeChatClient._request`
    sends every call through `self._http.request`. Tokens never come from wechatpy: every call
    carries the shared one.
    """
    client = WeChatClient(appid, secret, timeout=timeout, auto_retry=False)
    client.API_BASE_URL = api_base
    client._http = session
    return client


class WechatpyApi:
    """The real WeChat API. Maps every WeChat answer to our error tree."""

    def __init__(self, engine: Engine, appid: str, secret: str, api_base: str, *, timeout: float = 5.0) -> None:
        # As many kept-alive connections as the reply worker sends side by side (its SEND_WAVE):
        # with fewer, a handle and its connection are opened and discarded per send beyond them under load.
        session = outgoing_session(api_base, pool_size=32)
        self.appid, self.secret = appid, secret
        self.http = HttpJsonClient(api_base, timeout=timeout, session=session)
        self.client = _wechatpy_client(appid, secret, api_base, timeout, session)
        self.tokens = SharedTokenStore(engine, appid, self._fetch_token)

    def _fetch_token(self) -> tuple[str, int]:
        """`GET token`, called by the shared store only (it makes sure one process at a time asks)."""
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        try:
            result = self.http.request("GET", "token", params=params)
        except OnecardError as exc:  # a refusal too: the next call asks again, as WeChat may recover
            raise TransientError(f"token fetch failed: {exc}") from exc
        if result.get("errcode"):
            raise TransientError(f"token fetch failed: {result['errcode']} {result.get('errmsg')}")
        return str(result["access_token"]), int(result.get("expires_in", 7200))

    def _call(self, endpoint: str, data: dict[str, Any] | None = None, *, method: str = "POST",
              answers: frozenset[int] = frozenset()) -> dict[str, Any]:
        """One API call with the shared token (POST `data`, or GET): a stale token is refreshed once.
        An errcode in `answers` is an answer (`{"errcode": …}`), not an error."""
        for attempt in (1, 2):
            token = self.tokens.get()
            try:
                params = {"access_token": token}
                result: dict[str, Any] = (self.client.get(endpoint, params=params) if method == "GET"
                                          else self.client.post(endpoint, params=params, data=data))
                return result
            except WeChatClientException as exc:
                code = exc.errcode
                if code in answers:
                    return {"errcode": code, "errmsg": exc.errmsg}
                if code in TOKEN_ERRORS and attempt == 1:
                    self.tokens.refresh(stale=token)
                    continue
                if code in UNDELIVERABLE:
                    raise Undeliverable(code, UNDELIVERABLE[code]) from exc
                if code in TEMPLATE_REFUSALS:
                    raise TemplateRefused(code, f"{TEMPLATE_REFUSALS[code]} ({exc.errmsg})") from exc
                if code is None or code in BUSY_ERRORS or code in TOKEN_ERRORS:
                    raise TransientError(f"WeChat {endpoint}: {code} {exc.errmsg}") from exc
                raise PermanentError(f"WeChat {endpoint}: {code} {exc.errmsg}") from exc
            except requests.RequestException as exc:
                raise TransientError(f"WeChat {endpoint}: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    def send_text(self, openid: str, text: str) -> None:
        self._call("message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None,
                      client_msg_id: str | None = None) -> None:
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        if client_msg_id:
            body["client_msg_id"] = client_msg_id
        self._call("message/template/send", body)

    def list_templates(self) -> list[AccountTemplate]:
        result = self._call("template/get_all_private_template", method="GET")
        return [AccountTemplate(str(t["template_id"]), str(t.get("title", "")), str(t.get("content", "")),
                                str(t.get("example", ""))) for t in result.get("template_list", [])]

    def create_menu(self, menu: dict[str, Any]) -> None:
        self._call("menu/create", menu)

    def menu(self) -> dict[str, Any] | None:
        """The account's custom menu as WeChat shows it (`menu/get`); None where there is none."""
        result = self._call("menu/get", method="GET", answers=frozenset({NO_MENU}))
        return None if result.get("errcode") == NO_MENU else dict(result.get("menu") or {})

    def shared_token(self) -> str:
        """The access token every process sends with (fetched once for all where none is valid)."""
        return self.tokens.get()

    def check_credentials(self) -> CredentialsAnswer:
        """Does WeChat take the configured appid and secret now? Asked with `stable_token` without
        `force_refresh`, which hands back the token in use instead of a new one, so the tokens every
        process sends with stay valid (a new `token` would end them in five minutes)."""
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": False}
        response = self.http.send("POST", "stable_token", json=body)
        try:
            result = response.json()
        except ValueError:
            result = {"errcode": -1, "errmsg": f"HTTP {response.status_code}, not JSON"}
        stamp = response.headers.get("Date")
        return CredentialsAnswer(int(result.get("errcode") or 0), str(result.get("errmsg") or ""),
                                 parsedate_to_datetime(stamp) if stamp else None)
