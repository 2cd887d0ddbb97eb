"""Front-end libraries every page shares, served by our own processes (no CDN).

Apache ECharts (the common build: line, bar, pie — 240 KB gzipped instead of 330 KB) draws every
chart, in the back-office and in the pages inside WeChat; WeUI's stylesheet gives those pages
WeChat's own look. Both come from the npm registry (echarts 6.1.0, weui 2.6.26) with their
licences beside them. The files never change under one name, so browsers may keep them for a
year: a new version is a new commit, and a deploy restarts the server with new ETags.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

VENDOR = Path(__file__).resolve().parent / "vendor"

#: Where the web process, the back-office's pages and the chat simulator find the shared files.
PREFIX = "/assets"
ECHARTS = f"{PREFIX}/echarts.min.js"
WEUI = f"{PREFIX}/weui.min.css"


class CachedStatic(StaticFiles):
    """Static files with a long, public cache lifetime, so ECharts loads once per phone."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message["headers"] = [*message.get("headers", []),
                                      (b"cache-control", b"public, max-age=31536000")]
            await send(message)

        await super().__call__(scope, receive, send_cached)


def mount() -> Mount:
    """The `/assets` mount any of our Starlette apps adds to its routes."""
    return Mount(PREFIX, app=CachedStatic(directory=VENDOR), name="assets")
