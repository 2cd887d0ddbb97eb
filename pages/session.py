"""Who is looking at a page: a signed cookie naming the openid WeChat vouched for, and nothing else.

The cookie holds `openid.expires.signature` (HMAC-SHA256 under the deployment's secret key), so a
phone can neither forge nor stretch it, and the server keeps no session table. The `state` of an
authorization round trip is bound to the browser the same way: a short-lived signed cookie holds it
with the page to return to (one cookie per trip), and the callback refuses a `state` that browser
was not given (no login CSRF: nobody can make you sign in as them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

SESSION_COOKIE = "onecard_m"
STATE_COOKIE = "onecard_m_state_"
_COOKIE_SAFE = frozenset(string.ascii_letters + string.digits + "-_")
#: How long an authorization round trip may take (WeChat's codes live five minutes).
STATE_SECONDS = 300


@dataclass(frozen=True)
class Signer:
    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> Signer:
        # A key of its own, so a page cookie can never pass for anything else the secret signs.
        return cls(hashlib.sha256(b"onecard pages\0" + secret.encode()).digest())

    def sign(self, *parts: str, expires: int) -> str:
        body = ".".join([*(_b64(p) for p in parts), str(expires)])
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str | None, now: int, count: int) -> list[str] | None:
        """The signed parts, or None when the token is absent, forged, malformed or expired."""
        if not token:
            return None
        body, _, mac = token.rpartition(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        *parts, expires = body.split(".")
        if len(parts) != count or not expires.isdigit() or int(expires) <= now:
            return None
        try:
            return [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode() for p in parts]
        except ValueError:
            return None

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())


def _b64(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_state() -> str:
    return secrets.token_urlsafe(16)


def state_cookie(state: str) -> str:
    """One cookie per round trip, named after its state: two pages opened at once both come back.

    A state this browser was never given names a cookie it does not have, so it is refused.
    """
    return STATE_COOKIE + "".join(c for c in state if c in _COOKIE_SAFE)[:32]


def safe_next(path: str | None) -> str:
    """Only our own pages may be returned to after signing in (no open redirect)."""
    if not path or not path.startswith("/m/") or path.startswith("//") or "\\" in path:
        return "/m/card"
    return path
