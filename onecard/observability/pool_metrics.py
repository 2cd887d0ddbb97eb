"""Metrics summed over the processes of a pool: the folder they count into, and the server of the sum.

`onecard worker --metrics-port N` (and `onecard web --workers N>1`) point prometheus_client's
multiprocess mode at a fresh folder; dramatiq forks `serve_worker_metrics` beside the workers.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

#: prometheus_client's own switch to multiprocess mode, read when it is first imported: so it is
#: set before any process of the pool starts (this module imports prometheus_client only when called).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def fresh_multiproc_dir(base: Path, name: str) -> Path:
    """An empty folder for one pool's metric files (stale files would add old counts)."""
    for old in (base / "metrics").glob(f"{name}-*"):
        pid = old.name.rsplit("-", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)  # left by a pool that has exited
    directory = base / "metrics" / f"{name}-{os.getpid()}"
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_registry() -> CollectorRegistry:
    """This process's counters, or in multiprocess mode the sum over every process of the pool."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def serve_worker_metrics() -> int:
    """dramatiq fork function: serve the pool's summed metrics on `ONECARD_WORKER_METRICS_PORT`."""
    from prometheus_client import start_http_server

    from onecard.settings import Settings

    settings = Settings()
    assert settings.worker_metrics_port is not None, "added only when the port is set"
    _server, thread = start_http_server(settings.worker_metrics_port, addr=settings.http_host,
                                        registry=process_registry())
    thread.join()
    return 0
