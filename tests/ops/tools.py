"""The outside tools the deployment tests run: nginx, systemd-analyze, PostgreSQL and its pg_dump.

A test needing one is skipped where it is absent, unless ONECARD_REQUIRE_TOOLS is set (CI sets it):
then its absence fails the test, so CI never passes by checking nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest

from tests.matrix import DEFAULTS


def _missing(what: str) -> None:
    if os.environ.get("ONECARD_REQUIRE_TOOLS"):
        pytest.fail(f"{what} is required (ONECARD_REQUIRE_TOOLS is set)")
    pytest.skip(f"{what} is not available")


def tool(name: str) -> str:
    """The program's path on PATH (or /usr/sbin, where Debian puts nginx)."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        _missing(name)
    assert path is not None
    return path


def postgres_server() -> str:
    """ONECARD_TEST_POSTGRES_URL (the matrix's default), reachable."""
    url = os.environ.get("ONECARD_TEST_POSTGRES_URL") or DEFAULTS["ONECARD_TEST_POSTGRES_URL"]
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=3).close()
    except OSError:
        _missing(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}")
    return url
