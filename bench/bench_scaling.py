"""Worker scaling: balance queries processed per second by a query pool of 1, 2 and 4 processes.

The queue is filled first through the real ingress (no worker running), then a pool starts and
drains it; throughput is counted between the first and the last `processed_at` in the inbox, so
process start-up is not measured. The card system answers after BENCH_SCALING_LATENCY_MS.
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.procs import WORKER_ENV, backend, bind_many, load
from store.tables import InboxEvent
from tests.harness import Stack, running_stack
from tests.processes import start_web, wait_until

THREADS = 8


def _processed(stack: Stack) -> tuple[int, Any, Any]:
    with stack.platform.uow() as uow:
        row = uow.session.execute(
            select(func.count(), func.min(InboxEvent.processed_at), func.max(InboxEvent.processed_at))
            .where(InboxEvent.status == "processed")
        ).one()
    return int(row[0]), row[1], row[2]


def drain(backend_name: str, processes: int, count: int, latency_ms: int) -> dict[str, Any]:
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, \
            running_stack(Path(tmp)) as stack:
        users = bind_many(stack, count, prefix="osc")
        stack.card_faults(latency_ms=latency_ms)
        web = start_web(stack)
        try:
            fill = load({"url": f"{web.url}/wechat", "concurrency": 16, "duration": 60, "content": "余额",
                         "openids": users, "max_requests": count})
        finally:
            web.stop(signal.SIGKILL)
        pool = stack.start_workers("query", processes=processes, threads=THREADS, name=f"scale-{processes}",
                                   extra_env=WORKER_ENV)
        try:
            done = wait_until(lambda: _processed(stack)[0] >= fill["acked"], timeout=120, interval=0.5)
            n, first, last = _processed(stack)
        finally:
            pool.stop()
    seconds = (last - first).total_seconds() if first and last else None
    return {"processes": processes, "threads": THREADS, "events": n, "all_processed": done,
            "seconds": round(seconds, 2) if seconds else None,
            "per_s": round(n / seconds, 1) if seconds else None}


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    latency = int(os.environ.get("BENCH_SCALING_LATENCY_MS", "20"))
    count = 300 if quick else 1500
    backends = ["postgres-redis"] if quick else ["postgres-redis", "embedded"]
    return {"card_latency_ms": latency, "events": count,
            "runs": {name: [drain(name, p, count, latency) for p in (1, 2, 4)] for name in backends}}
