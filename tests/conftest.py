"""Shared fixtures: one running stack (with its worker processes) for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Stack, new_openid, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("stack")
    with running_stack(tmp) as running:
        yield running


@pytest.fixture(scope="session")
def live(stack: Stack) -> Stack:
    """The stack with one worker process serving every topic."""
    if not stack.pools:
        stack.start_workers(name="all-topics")
    return stack


@pytest.fixture
def openid() -> str:
    return new_openid()
