"""Side by side, same run, same machine: the balance query answered by onecard (ack at once, answer
through the queue and the customer-service API) and by a synchronous WeRoBot handler (calls the
card system inside the callback, passive reply), both against the same card-system simulator
slowed to BENCH_CARD_LATENCY_MS (200 ms by default), at the same offered rate.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.correlate import end_to_end
from bench.procs import WORKER_ENV, backend, bind_many, clear_sent, load
from onecard.serve import free_port
from tests.harness import TOKEN, running_stack
from tests.processes import spawn, start_web


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def start_werobot(stack: Any, threads: int) -> Any:
    port = free_port()
    proc = spawn([sys.executable, "-m", "bench.werobot_app"], name="werobot", env={
        **stack.env, "BENCH_WEROBOT_TOKEN": TOKEN, "BENCH_WEROBOT_PORT": str(port),
        "BENCH_WEROBOT_THREADS": str(threads), "ONECARD_DATABASE_URL": stack.settings.resolved_database_url})
    proc.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(proc.url, timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"WeRoBot did not start:\n{proc.tail()}")


def compare(backend_name: str, rate: int, duration: float, latency_ms: int, werobot_threads: int) -> dict[str, Any]:
    count = int(rate * duration) + 10
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-side-") as tmp, \
            running_stack(Path(tmp)) as stack:
        werobot_users = bind_many(stack, count, prefix="owr")
        onecard_users = bind_many(stack, count, prefix="oon")
        stack.card_faults(latency_ms=latency_ms)
        common = {"rate": rate, "duration": duration, "content": "余额", "timeout": 5.0}
        werobot = start_werobot(stack, werobot_threads)
        try:
            werobot_ack = load({**common, "url": f"{werobot.url}/wechat", "openids": werobot_users})
        finally:
            werobot.stop(signal.SIGKILL)
        web = start_web(stack, workers=1)
        pools = [stack.start_workers("query", processes=2, threads=16, name="side-query", extra_env=WORKER_ENV),
                 stack.start_workers("reply", processes=1, threads=8, name="side-reply", extra_env=WORKER_ENV)]
        try:
            clear_sent(stack)
            record = Path(tmp) / "onecard.jsonl"
            onecard_ack = load({**common, "url": f"{web.url}/wechat", "openids": onecard_users,
                                "record": str(record)})
            answered = end_to_end(stack, record, timeout=30 + duration)
        finally:
            web.stop(signal.SIGKILL)
            for pool in pools:
                pool.stop()
    return {
        "backend": backend_name, "rate": rate, "duration_s": duration, "card_latency_ms": latency_ms,
        "werobot": {"threads": werobot_threads, "ack_is_answer": werobot_ack},
        "onecard": {"ack": onecard_ack, "answer": answered,
                    "processes": "web 1; query 2x16 threads; reply 1x8 threads"},
        "ratios": {
            "ack_p50_werobot_over_onecard": _ratio(werobot_ack["latency_ms"]["p50"], onecard_ack["latency_ms"]["p50"]),
            "ack_p99_werobot_over_onecard": _ratio(werobot_ack["latency_ms"]["p99"], onecard_ack["latency_ms"]["p99"]),
            "answer_p50_werobot_over_onecard": _ratio(werobot_ack["latency_ms"]["p50"], answered["latency_ms"]["p50"]),
            "acks_per_s_onecard_over_werobot": _ratio(onecard_ack["acks_per_s"], werobot_ack["acks_per_s"]),
        },
        "acked_within_5s": {"werobot": werobot_ack["acked_within_5s"], "onecard": onecard_ack["acked_within_5s"]},
        "answered_within_5s": {"werobot": werobot_ack["acked_within_5s"], "onecard": answered["answered_within_5s"]},
    }


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    latency = int(os.environ.get("BENCH_CARD_LATENCY_MS", "200"))
    threads = int(os.environ.get("BENCH_WEROBOT_THREADS", "8"))
    # Below and above what WeRoBot's threads can carry (threads / card latency: 40/s by default).
    rates = [int(r) for r in os.environ.get("BENCH_SIDE_RATES", "20" if quick else "20,60").split(",")]
    duration = 4.0 if quick else 15.0
    backends = ["embedded"] if quick else ["embedded", "postgres-redis"]
    return {"runs": [compare(name, rate, duration, latency, threads) for name in backends for rate in rates]}
