"""End to end: callback → customer-service send, at a fixed offered rate (open loop, like WeChat).

Real processes: `onecard web`, `onecard worker general` and `onecard worker reply` pools, the load
generator; the WeChat API simulator records when each message arrived (`at`), matched per openid.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.correlate import end_to_end
from bench.procs import WORKER_ENV, backend, clear_sent, group_cpu_seconds, load, own_cpu_seconds
from tests.harness import running_stack
from tests.processes import start_web

TARGET = {"rate": 500, "p99_ms": 1000}


POOLS = {"web": 1, "general": (1, 32), "reply": (1, 4)}


def measure(backend_name: str, rates: list[int], duration: float,
            pools: dict[str, Any] = POOLS) -> list[dict[str, Any]]:
    rows = []
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp, \
            running_stack(Path(tmp)) as stack:
        web = start_web(stack, workers=pools["web"])
        started = [stack.start_workers(queue, processes=pools[queue][0], threads=pools[queue][1],
                                       name=f"bench-{queue}", extra_env=WORKER_ENV)
                   for queue in ("general", "reply")]
        try:
            groups = {"web": web.proc.pid, "general": started[0].proc.pid, "reply": started[1].proc.pid}
            for rate in rates:
                clear_sent(stack)
                record = Path(tmp) / f"e2e-{rate}.jsonl"
                before = cpu_snapshot(groups)
                ack = load({"url": f"{web.url}/wechat", "rate": rate, "duration": duration,
                            "openid_prefix": f"oe2e{rate}x{int(time.time())}n", "record": str(record)})
                e2e = end_to_end(stack, record, timeout=30 + duration)
                spent = {name: cpu - before[name] for name, cpu in cpu_snapshot(groups).items()}
                rows.append({"backend": backend_name, "rate": rate, "duration_s": duration, "ack": ack,
                             "end_to_end": e2e,
                             "cpu_ms_per_message": {name: round(1000 * cpu / max(1, ack["acked"]), 2)
                                                    for name, cpu in spent.items()}})
        finally:
            web.stop(signal.SIGKILL)
            for pool in started:
                pool.stop()
    return rows


def cpu_snapshot(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each process group, and of this process (the simulators play WeChat
    and the card system in it: on a real deployment that CPU is theirs, not ours)."""
    return {**{name: group_cpu_seconds(pgid) for name, pgid in groups.items()},
            "simulators": own_cpu_seconds()}


def within_target(row: dict[str, Any]) -> bool:
    e2e = row["end_to_end"]
    p99 = e2e["latency_ms"]["p99"]
    return e2e["answered"] == row["ack"]["sent"] and p99 is not None and p99 < TARGET["p99_ms"]


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    """A sweep of offered rates per backend: where the p99 stays under a second, and where it breaks."""
    rates = [100] if quick else [50, 100, 200, 300, 400, 500, 600, 800]
    duration = 4.0 if quick else 15.0
    rows = []
    for backend_name in ("embedded",) if quick else ("embedded", "postgres-redis"):
        rows += measure(backend_name, rates, duration)
    print(rows, file=sys.stderr)
    knees = {name: max((r["rate"] for r in rows if r["backend"] == name and within_target(r)), default=None)
             for name in dict.fromkeys(r["backend"] for r in rows)}
    return {"target": TARGET, "processes": POOLS,
            "message": "帮助 (general topic), one new openid per callback", "runs": rows,
            "highest_rate_within_target": knees,
            "meets_target": any(r["rate"] >= TARGET["rate"] and within_target(r) for r in rows)}
