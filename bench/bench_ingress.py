"""Ingress: signed callbacks acknowledged per second, and ack latency, at rising concurrency.

`onecard web` runs as production runs it (its own process, uvicorn workers); the load generator
is another process. No worker consumes the queues: this measures verify, parse, store, enqueue, ack.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import backend, load
from tests.harness import running_stack
from tests.processes import start_web

TARGET = {"acks_per_s": 2000, "p99_ms": 50}


def measure(backend_name: str, quick: bool, web_workers: int) -> dict[str, Any]:
    levels = [1, 16, 64] if quick else [1, 8, 16, 32, 48, 64, 128, 256]
    duration = 3.0 if quick else 8.0
    rows = []
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-ingress-") as tmp, \
            running_stack(Path(tmp)) as stack:
        web = start_web(stack, workers=web_workers)
        try:
            load({"url": f"{web.url}/wechat", "concurrency": 4, "duration": 1.0})  # warm up
            for concurrency in levels:
                result = load({"url": f"{web.url}/wechat", "concurrency": concurrency, "duration": duration})
                rows.append({"concurrency": concurrency, **result})
                time.sleep(0.5)
        finally:
            web.stop(signal.SIGKILL)
    best = max(rows, key=lambda r: r["acks_per_s"])
    return {
        "backend": backend_name,
        "web_workers": web_workers,
        "levels": rows,
        "best": {"concurrency": best["concurrency"], "acks_per_s": best["acks_per_s"],
                 "p99_ms": best["latency_ms"]["p99"]},
        "meets_target": any(r["acks_per_s"] >= TARGET["acks_per_s"] and (r["latency_ms"]["p99"] or 1e9)
                            < TARGET["p99_ms"] for r in rows),
    }


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    workers = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
    return {
        "target": TARGET,
        "cpus": os.cpu_count(),
        "runs": [measure(name, quick, workers) for name in ("embedded", "postgres-redis")],
    }
