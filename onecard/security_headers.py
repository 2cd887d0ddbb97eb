"""Security headers on every response a server of ours sends: one middleware, one policy per area.

A school's vulnerability scan and its 等保 assessment ask every URL, not only the pages: a static
script, a 404, the XML answer to WeChat. So the headers are added around the whole app rather than
by each page, and what Starlette answers by itself (a static file, an unknown path, a wrong method,
a redirect to a trailing slash) carries them too. Each area gets the Content-Security-Policy that
fits what it serves: the back-office's strict one, the pages inside WeChat (which the chat
simulator may show in a frame where WeChat is simulated), the shared front-end files, and the
machine-to-machine answers (WeChat's callback, JSON, health), which may load nothing at all.
A response that sets a header itself keeps its own value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=()"


@dataclass(frozen=True)
class Policy:
    """The headers of one area. `frame_ancestors` is CSP's; X-Frame-Options (for older scanners and
    browsers) says DENY when nobody may frame the area, and is left out when someone may, since it
    cannot name a host and port pattern."""

    csp: str
    frame_ancestors: str = "'none'"
    cache_control: str | None = "no-store"
    referrer: str = "same-origin"
    #: Cross-Origin-Opener-Policy, for pages that open no window another site must reach.
    opener: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            "Content-Security-Policy": f"{self.csp}; frame-ancestors {self.frame_ancestors}",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": self.referrer,
            "Permissions-Policy": PERMISSIONS,
        }
        if self.frame_ancestors == "'none'":
            headers["X-Frame-Options"] = "DENY"
        if self.cache_control is not None:
            headers["Cache-Control"] = self.cache_control
        if self.opener is not None:
            headers["Cross-Origin-Opener-Policy"] = self.opener
        return headers


#: The back-office: its own scripts, styles and images only, a signed-in clerk's pages never cached.
BACKOFFICE = Policy("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                    "form-action 'self'; base-uri 'none'; object-src 'none'", opener="same-origin")
#: Scripts and stylesheets: they load nothing; their own long cache lifetime stands.
ASSETS = Policy("default-src 'none'; base-uri 'none'", cache_control=None)
#: WeChat's callback (XML), the card system's and WeChat Pay's notifications, JSON, health, 404s.
MACHINE = Policy("default-src 'none'; base-uri 'none'; form-action 'none'", referrer="no-referrer")


def pages_policy(frame_ancestors: str) -> Policy:
    """The pages inside WeChat: WeUI's inline styles; framed only by the chat simulator's web view."""
    return Policy("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                  "script-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'",
                  frame_ancestors=frame_ancestors, cache_control="private, no-store")


def chat_policy(*framed: str) -> Policy:
    """The chat simulator: its own files, its WebSocket, and in its web view the pages and WeChat's
    simulated authorization (the URLs `framed`, whose origins its frame and its scripts may reach)."""
    origins = " ".join(sorted({origin(url) for url in framed}))
    return Policy("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                  f"connect-src 'self' {origins}; frame-src {origins}; form-action 'self'; "
                  "base-uri 'none'; object-src 'none'", cache_control="no-cache")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeaders:
    """ASGI middleware: each response gets the headers of the first area whose prefix its path is
    under (`default` otherwise), and HSTS where the public URL is https. The headers are encoded once:
    WeChat's callback goes through here too, on the web process's one hot path."""

    def __init__(self, app: ASGIApp, areas: Sequence[tuple[str, Policy]], default: Policy, *,
                 hsts: bool = False) -> None:
        self.app = app
        self.areas = [(prefix, _encoded(policy, hsts)) for prefix, policy in areas]
        self.default = _encoded(default, hsts)

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        for prefix, headers in self.areas:
            if path == prefix or path.startswith(prefix + "/"):
                return headers
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.headers_for(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                present = {name.lower() for name, _ in own}
                message["headers"] = own + [pair for pair in wanted if pair[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _encoded(policy: Policy, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = policy.headers() | ({"Strict-Transport-Security": HSTS} if hsts else {})
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
