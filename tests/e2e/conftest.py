"""What the browser tests share: one Chromium and one chat simulator page server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.e2e.browser import chromium
from tests.e2e.chat_server import serving_chat
from tests.harness import Stack


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def chat(live: Stack) -> Iterator[str]:
    """The chat simulator's page, talking to the live stack's WeChat simulator."""
    with serving_chat(live) as url:
        yield url
