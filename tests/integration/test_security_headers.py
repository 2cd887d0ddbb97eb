"""What a school's vulnerability scan asks of every URL of the web process: the security headers are
on every answer, whatever area it belongs to — a page, a static script, a 404, WeChat's XML callback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import requests
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from adapters.wechat.callbacks import text_xml
from onecard.security_headers import SecurityHeaders, pages_policy
from onecard.settings import Settings
from onecard.web import public_app, with_security_headers
from tests.harness import Stack, new_openid

EVERYWHERE = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def urls(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    """A URL for every route (path parameters filled in), and for every static folder its files and
    a file not in it."""
    for route in routes:
        if isinstance(route, Route):
            yield prefix + re.sub(r"\{[^}]+\}", "1", route.path)
        elif isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            folder = Path(str(route.app.directory))
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                yield f"{prefix}{route.path}/{file.relative_to(folder).as_posix()}"
            yield f"{prefix}{route.path}/no-such-file.js"
        elif isinstance(route, Mount):
            inner = mounted_routes(route.app)
            assert inner, f"{prefix}{route.path}: a mount whose routes the walk cannot see"
            yield from urls(inner, prefix + route.path)


def mounted_routes(app: object) -> list[BaseRoute]:
    """A mounted app's routes, through middleware around it (the pages' gzip)."""
    while not hasattr(app, "routes") and hasattr(app, "app"):
        app = app.app
    return list(getattr(app, "routes", []))


def assert_protected(answer: requests.Response, what: str) -> None:
    headers = answer.headers
    for name in EVERYWHERE:
        assert name in headers, (what, answer.status_code, name)
    assert headers["X-Content-Type-Options"] == "nosniff", what
    assert "frame-ancestors" in headers["Content-Security-Policy"], what
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        assert headers["X-Frame-Options"] == "DENY", what


def test_every_route_of_the_web_process_answers_with_the_security_headers(stack: Stack) -> None:
    walked = sorted(set(urls(public_app(stack.platform).routes)))
    assert {"/assets/echarts.min.js", "/wechat", "/healthz", "/admin/login", "/m/card"} <= set(walked)
    statuses = set()
    for path in [*walked, "/no-such-path", "/admin", "/admin/no-such-page", "/m/no-such-page"]:
        answer = requests.get(stack.ingress_url + path, allow_redirects=False, timeout=20)
        statuses.add(answer.status_code)
        assert_protected(answer, path)
    assert {200, 302, 404, 405} <= statuses
    callback = stack.sender().post(text_xml(new_openid(), "余额"))
    assert callback.text == "success"
    assert_protected(callback, "POST /wechat")
    assert_protected(requests.post(f"{stack.ingress_url}/wechat", data="<xml/>", timeout=20), "unsigned POST")


def test_each_area_gets_the_policy_that_fits_it(stack: Stack) -> None:
    def get(path: str) -> requests.structures.CaseInsensitiveDict[str]:
        return requests.get(stack.ingress_url + path, allow_redirects=False, timeout=20).headers

    script = get("/assets/echarts.min.js")
    assert script["Cache-Control"] == "public, max-age=31536000" and script["X-Frame-Options"] == "DENY"
    assert script["Content-Security-Policy"].startswith("default-src 'none'")
    admin = get("/admin/login")
    assert "script-src 'self'" in admin["Content-Security-Policy"] and admin["Cache-Control"] == "no-store"
    # Here WeChat is simulated: the chat simulator's web view may frame the pages, nobody else.
    page = get("/m/card")
    assert "frame-ancestors http://127.0.0.1:*" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page and page["Cache-Control"] == "private, no-store"
    machine = get("/healthz")
    assert machine["Content-Security-Policy"].startswith("default-src 'none'")
    assert machine["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in machine  # the public URL here is http


async def nothing(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that is never called: only the middleware's choice of headers is looked at."""


def test_hsts_only_once_the_public_url_is_https() -> None:
    def headers(public_url: str) -> dict[bytes, bytes]:
        app = with_security_headers(nothing, Settings(_env_file=None, public_url=public_url))
        assert isinstance(app, SecurityHeaders)
        return dict(app.headers_for("/admin/login"))

    assert headers("https://card.example.edu.cn")[b"strict-transport-security"] == b"max-age=31536000"
    assert b"strict-transport-security" not in headers("http://127.0.0.1:8080")
    framed = dict(SecurityHeaders(nothing, [("/m", pages_policy("'none'"))],
                                  pages_policy("'none'")).headers_for("/m/card"))
    assert framed[b"x-frame-options"] == b"DENY"
