"""The embedded Redis compacts its append-only file: idle consumers' heartbeats (a ZADD per poll,
about 21 KB a second with the Procfile's pools) must not grow it without bound."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onecard.embedded import start_embedded_redis, stop_embedded_redis
from tests.backends import configured_broker_url


def test_heartbeats_written_past_two_megabytes_are_compacted(tmp_path: Path) -> None:
    if configured_broker_url():
        pytest.skip("the embedded default's own Redis: once, in the embedded configuration")
    server = start_embedded_redis(tmp_path / "redis.db")
    try:
        # Given what idle workers write: the same few heartbeats, over and over (~2.5 MB of AOF)
        pipe = server.pipeline(transaction=False)
        for n in range(40_000):
            pipe.zadd("onecard:__heartbeats__", {f"worker-{n % 8}": time.time() * 1000})
            if n % 2_000 == 1_999:
                pipe.execute()
        # Then Redis rewrites the file down to the little the data needs
        def rewritten() -> bool:
            info = server.info("persistence")
            return bool(info["aof_last_rewrite_time_sec"] >= 0 and not info["aof_rewrite_in_progress"])

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not rewritten():
            time.sleep(0.1)
        assert rewritten()
        # what was written after the rewrite began stays; the 2 MB before it are gone
        size = server.info("persistence")["aof_current_size"]
        assert size < 2_000_000, size
    finally:
        stop_embedded_redis(server)
