"""End to end: callback → customer-service send, at a fixed offered rate (open loop, like WeChat).

Real processes: `onecard web`, the worker pools a workload needs (`bench.workloads`: the general
topic alone, balance queries alone, the realistic mix), the reply pool, the load generator; the
WeChat API simulator records when each message arrived (`at`), matched per openid.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.correlate import end_to_end
from bench.procs import WORKER_ENV, backend, clear_sent, group_cpu_seconds, load, own_cpu_seconds
from bench.workloads import WORKLOADS, Workload
from tests.harness import running_stack
from tests.processes import start_web

TARGET = {"rate": 500, "p99_ms": 1000}


def measure(backend_name: str, rates: list[int], duration: float, workload: Workload) -> list[dict[str, Any]]:
    rows = []
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp, \
            running_stack(Path(tmp)) as stack:
        web = start_web(stack, workers=1)
        if workload.card_latency_ms:
            stack.card_faults(latency_ms=workload.card_latency_ms)
        started = {queue: stack.start_workers(queue, processes=processes, threads=threads, name=f"bench-{queue}",
                                              extra_env=WORKER_ENV)
                   for queue, (processes, threads) in workload.pools.items()}
        try:
            groups = {"web": web.proc.pid, **{queue: pool.proc.pid for queue, pool in started.items()}}
            for rate in rates:
                clear_sent(stack)
                record = Path(tmp) / f"e2e-{rate}.jsonl"
                callers = workload.callers(stack, int(rate * duration) + rate, f"{rate}x{int(time.time())}")
                before = cpu_snapshot(groups)
                ack = load({"url": f"{web.url}/wechat", "rate": rate, "duration": duration, "record": str(record),
                            "wechat_sim": stack.wechat_sim, **callers})
                e2e = end_to_end(stack, record, timeout=30 + duration)
                spent = {name: cpu - before[name] for name, cpu in cpu_snapshot(groups).items()}
                per_message = {name: round(1000 * cpu / max(1, ack["acked"]), 2) for name, cpu in spent.items()}
                ours = sum(v for k, v in per_message.items() if k != "simulators")
                rows.append({"workload": workload.name, "backend": backend_name, "rate": rate, "duration_s": duration,
                             "ack": ack, "end_to_end": e2e, "cpu_ms_per_message": per_message,
                             "cpu_ms_per_message_ours": round(ours, 2)})
        finally:
            web.stop(signal.SIGKILL)
            for pool in started.values():
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
    """A sweep of offered rates per workload and backend: where the p99 stays under a second, and
    where it breaks. `BENCH_E2E_WORKLOADS` (general,query,mix) and `BENCH_E2E_RATES` narrow it."""
    rates = [int(r) for r in os.environ.get("BENCH_E2E_RATES", "").split(",") if r] or (
        [100] if quick else [100, 300, 400, 500, 600, 800])
    duration = float(os.environ.get("BENCH_E2E_SECONDS", 4.0 if quick else 15.0))
    names = [n for n in os.environ.get("BENCH_E2E_WORKLOADS", "mix,query,general").split(",") if n]
    rows = []
    for backend_name in ("embedded",) if quick else ("embedded", "postgres-redis"):
        for name in names:
            rows += measure(backend_name, rates, duration, WORKLOADS[name])
    print(rows, file=sys.stderr)
    knees = {f"{w}/{b}": max((r["rate"] for r in rows if (r["workload"], r["backend"]) == (w, b)
                              and within_target(r)), default=None)
             for w, b in dict.fromkeys((r["workload"], r["backend"]) for r in rows)}
    return {"target": TARGET, "processes": {name: WORKLOADS[name].pools for name in names},
            "messages": {name: sorted({text for text, _ in WORKLOADS[name].cycle}) for name in names},
            "card_latency_ms": {name: WORKLOADS[name].card_latency_ms for name in names},
            "runs": rows, "highest_rate_within_target": knees,
            "meets_target": any(r["workload"] == "mix" and r["rate"] >= TARGET["rate"] and within_target(r)
                                for r in rows)}
