"""A stack of its own for the operations tests: they kill, stop and restart processes.

Its Redis heartbeat timeout is 3 s and maintenance runs on every broker call, so the broker's
own recovery of a dead worker's messages shows within seconds instead of minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Stack, running_stack


@pytest.fixture(scope="session")
def ops_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("ops")
    with running_stack(tmp, broker_heartbeat_timeout_ms="3000",
                       broker_maintenance_chance="1000000") as running:
        yield running


@pytest.fixture
def ops(ops_stack: Stack) -> Iterator[Stack]:
    """The ops stack with no worker running; whatever a test starts is stopped after it."""
    yield ops_stack
    for pool in ops_stack.pools:
        pool.stop()
    ops_stack.pools.clear()
    ops_stack.card_faults(latency_ms=0)
