"""The WeChat API through wechatpy, with the token shared across every process."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import Engine
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException

from adapters.http import outgoing_session
from adapters.wechat.port import UNDELIVERABLE, Undeliverable
from adapters.wechat.token_store import SharedTokenStore
from events.errors import PermanentError, TransientError

#: The token is stale: refresh (once, for everybody) and try again.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: WeChat is busy or rate limiting: back off and retry later.
BUSY_ERRORS = frozenset({-1, 45009, 45011})


class _Client(WeChatClient):  # type: ignore[misc]
    """wechatpy's client aimed at a configurable API base, taking tokens from the shared store."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base
        self.store: SharedTokenStore | None = None
        self._http = outgoing_session(api_base)

    def fetch_token_from_wechat(self) -> tuple[str, int]:
        result = self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        return result["access_token"], int(result.get("expires_in", 7200))

    @property
    def access_token(self) -> str:
        assert self.store is not None
        return self.store.get()


class WechatpyApi:
    """The real WeChat API. Maps every WeChat answer to our error tree."""

    def __init__(self, engine: Engine, appid: str, secret: str, api_base: str, *, timeout: float = 5.0) -> None:
        self.client = _Client(appid, secret, api_base, timeout)
        self.tokens = SharedTokenStore(engine, appid, self._fetch_token)
        self.client.store = self.tokens

    def _fetch_token(self) -> tuple[str, int]:
        try:
            return self.client.fetch_token_from_wechat()
        except WeChatClientException as exc:
            raise TransientError(f"token fetch failed: {exc.errcode} {exc.errmsg}") from exc
        except requests.RequestException as exc:
            raise TransientError(f"token fetch failed: {type(exc).__name__}") from exc

    def _call(self, method: str, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        for attempt in (1, 2):
            token = self.tokens.get()
            try:
                result: dict[str, Any] = self.client._request(
                    method, endpoint, params={"access_token": token}, data=data
                )
                return result
            except WeChatClientException as exc:
                code = exc.errcode
                if code in TOKEN_ERRORS and attempt == 1:
                    self.tokens.refresh(stale=token)
                    continue
                if code in UNDELIVERABLE:
                    raise Undeliverable(code, UNDELIVERABLE[code]) from exc
                if code is None or code in BUSY_ERRORS or code in TOKEN_ERRORS:
                    raise TransientError(f"WeChat {endpoint}: {code} {exc.errmsg}") from exc
                raise PermanentError(f"WeChat {endpoint}: {code} {exc.errmsg}") from exc
            except requests.RequestException as exc:
                raise TransientError(f"WeChat {endpoint}: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    def send_text(self, openid: str, text: str) -> None:
        self._call("post", "message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None) -> None:
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        self._call("post", "message/template/send", body)

    def create_menu(self, menu: dict[str, Any]) -> None:
        self._call("post", "menu/create", menu)
