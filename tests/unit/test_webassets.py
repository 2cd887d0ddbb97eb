"""The shared front-end files: cached for a year, gzipped once for the phones that accept it."""

from __future__ import annotations

import gzip

import requests
from starlette.applications import Starlette

from onecard.serve import ServerThread
from webassets import ECHARTS, VENDOR, WEUI
from webassets import mount as assets_mount


def test_echarts_goes_gzipped_and_cached_for_a_year_and_plain_to_who_asks_for_plain() -> None:
    server = ServerThread(Starlette(routes=[assets_mount()])).start()
    try:
        packed = requests.get(server.url + ECHARTS, headers={"Accept-Encoding": "gzip"}, stream=True)
        body = packed.raw.read(decode_content=False)
        assert packed.headers["content-encoding"] == "gzip" and packed.headers["vary"] == "Accept-Encoding"
        assert packed.headers["cache-control"] == "public, max-age=31536000"
        original = (VENDOR / "echarts.min.js").read_bytes()
        assert gzip.decompress(body) == original and len(body) < len(original) / 2
        plain = requests.get(server.url + WEUI, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == (VENDOR / "weui.min.css").read_bytes()
        again = requests.get(server.url + ECHARTS, headers={"If-None-Match": packed.headers["etag"]})
        assert again.status_code == 304
    finally:
        server.stop()
