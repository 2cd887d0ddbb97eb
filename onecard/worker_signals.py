"""One stop request, one graceful stop: coalesce the duplicate SIGTERM a dramatiq worker receives.

dramatiq's worker process stops gracefully on its first SIGTERM and dies on the second. Supervisors
that signal the whole process group (honcho under `make run`, systemd's default KillMode) reach the
worker twice at once: directly, and forwarded by dramatiq's main process. Without this, every
deploy would kill in-flight messages instead of letting them finish.
"""

from __future__ import annotations

import signal
import time
from typing import Any

#: A second SIGTERM sooner than this after the first is the same request; later, it forces a stop.
DUPLICATE_WINDOW_SECONDS = 1.0


def coalesce_duplicate_sigterm() -> None:
    """Wrap dramatiq's worker SIGTERM handler (installed before it imports our module)."""
    original = signal.getsignal(signal.SIGTERM)
    if not callable(original) or getattr(original, "__module__", "") != "dramatiq.cli":
        return  # not inside a dramatiq worker process
    first: list[float] = []

    def handler(signum: int, frame: Any) -> Any:
        now = time.monotonic()
        if first and now - first[0] < DUPLICATE_WINDOW_SECONDS:
            return None
        first[:] = first or [now]
        return original(signum, frame)

    signal.signal(signal.SIGTERM, handler)
