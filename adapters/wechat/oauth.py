"""WeChat's web authorization (网页授权, `snsapi_base`): which follower opened a page inside WeChat.

A page sends the phone to `authorize_url(...)`; WeChat sends it back to our callback with a
`code`, which the server (never the browser) trades for the follower's openid. A code works once
and for five minutes; `snsapi_base` asks the user nothing and gives only the openid.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlencode

from adapters.http import HttpJsonClient
from events.errors import PermanentError


class CodeRefused(PermanentError):
    """WeChat would not trade this code (used, expired, or never issued: 40029, 40163)."""


def authorize_url(oauth_base: str, appid: str, redirect_uri: str, state: str) -> str:
    """Where a page without a session sends the phone, exactly as WeChat documents it."""
    query = urlencode({"appid": appid, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state})
    return f"{oauth_base.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"


class OAuthCodes(Protocol):
    def openid_for(self, code: str) -> str:
        """The openid behind `code`; CodeRefused for a bad code, TransientError when WeChat is unreachable."""


class HttpOAuthCodes:
    """`GET sns/oauth2/access_token`, the one call the server makes."""

    def __init__(self, sns_base: str, appid: str, secret: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(sns_base, timeout=timeout)
        self.appid = appid
        self.secret = secret

    def openid_for(self, code: str) -> str:
        data = self.http.request("GET", "oauth2/access_token", params={
            "appid": self.appid, "secret": self.secret, "code": code, "grant_type": "authorization_code"})
        if not isinstance(data, dict) or not data.get("openid"):
            errcode = data.get("errcode") if isinstance(data, dict) else None
            raise CodeRefused(f"oauth code refused: {errcode}")
        return str(data["openid"])
