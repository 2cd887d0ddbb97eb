"""Front-end libraries every page shares, served by our own processes (no CDN).

Apache ECharts (the common build: line, bar, pie — 240 KB gzipped instead of 330 KB) draws every
chart, in the back-office and in the pages inside WeChat; WeUI's stylesheet gives those pages
WeChat's own look. Both come from the npm registry (echarts 6.1.0, weui 2.6.26) with their
licences beside them. The files never change under one name, so browsers may keep them for a
year: a new version is a new commit, and a deploy restarts the server with new ETags.
"""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

VENDOR = Path(__file__).resolve().parent / "vendor"

#: Where the web process, the back-office's pages and the chat simulator find the shared files.
PREFIX = "/assets"
ECHARTS = f"{PREFIX}/echarts.min.js"
WEUI = f"{PREFIX}/weui.min.css"


class CachedStatic(StaticFiles):
    """Static files with a long, public cache lifetime, so ECharts loads once per phone.

    Scripts and stylesheets go gzipped to a browser that accepts it (ECharts: 715 KB → 240 KB),
    compressed once per file and process and kept in memory: compressing ECharts takes ~90 ms of
    CPU, which the web process should not spend per phone.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if (response.status_code != 200 or not isinstance(response, FileResponse)
                or not str(response.path).endswith(COMPRESSED) or not _accepts_gzip(scope)):
            return response
        stat = os.stat(response.path)
        body = await run_in_threadpool(_gzipped, str(response.path), stat.st_mtime_ns)
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length",)}
        return Response(body, headers={**headers, "content-encoding": "gzip", "vary": "Accept-Encoding"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message["headers"] = [*message.get("headers", []),
                                      (b"cache-control", b"public, max-age=31536000")]
            await send(message)

        await super().__call__(scope, receive, send_cached)


COMPRESSED = (".js", ".css", ".txt")


def _accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope.get("headers", []))


@functools.lru_cache(maxsize=32)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    """`mtime_ns` is part of the key: a replaced file is compressed again."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


def mount() -> Mount:
    """The `/assets` mount any of our Starlette apps adds to its routes."""
    return Mount(PREFIX, app=CachedStatic(directory=VENDOR), name="assets")
