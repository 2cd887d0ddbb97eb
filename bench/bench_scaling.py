"""Worker scaling: balance queries processed per second by a query pool of 1, 2 and 4 processes,
with the card system answering after BENCH_SCALING_LATENCY_MS (200 ms by default).

The queue is filled first through the real ingress (no worker running), then a pool starts and
drains it; throughput is counted between the first and the last `processed_at` in the inbox, so
process start-up is not measured. A query process holds `ONECARD_CALLS_IN_FLIGHT` card reads at
once, so the latency does not cap its rate (target: one process ≥ 300 queries/s at 200 ms); the
pool's resident memory is reported beside it.
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.procs import WORKER_ENV, backend, bind_many, group_rss_mb, load
from store.tables import InboxEvent
from tests.harness import Stack, running_stack
from tests.processes import start_web, wait_until

THREADS = 64
TARGET = {"one_process_per_s": 300, "card_latency_ms": 200}


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
                         "openids": users, "max_requests": count, "wechat_sim": stack.wechat_sim})
        finally:
            web.stop(signal.SIGKILL)
        pool = stack.start_workers("query", processes=processes, threads=THREADS, name=f"scale-{processes}",
                                   extra_env=WORKER_ENV)
        try:
            done = wait_until(lambda: _processed(stack)[0] >= fill["acked"], timeout=120, interval=0.5)
            n, first, last = _processed(stack)
            rss = group_rss_mb(pool.proc.pid)
        finally:
            pool.stop()
    seconds = (last - first).total_seconds() if first and last else None
    return {"processes": processes, "threads": THREADS, "events": n, "all_processed": done, "rss_mb": rss,
            "seconds": round(seconds, 2) if seconds else None,
            "per_s": round(n / seconds, 1) if seconds else None}


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    latency = int(os.environ.get("BENCH_SCALING_LATENCY_MS", "200"))
    count = 600 if quick else 3000
    backends = ["embedded"] if quick else ["embedded", "postgres-redis"]
    processes = (1,) if quick else (1, 2, 4)
    runs = {name: [drain(name, p, count, latency) for p in processes] for name in backends}
    one = [r["per_s"] or 0 for rows in runs.values() for r in rows if r["processes"] == 1]
    return {"target": TARGET, "card_latency_ms": latency, "events": count, "runs": runs,
            "meets_target": latency >= TARGET["card_latency_ms"] and bool(one)
            and min(one) >= TARGET["one_process_per_s"]}
