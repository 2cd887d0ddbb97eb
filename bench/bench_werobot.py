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

from bench.bench_e2e import cpu_snapshot
from bench.correlate import end_to_end, read_records
from bench.procs import WORKER_ENV, backend, bind_many, clear_sent, load, sent_messages
from onecard.serve import free_port
from tests.harness import TOKEN, running_stack
from tests.processes import spawn, start_web

#: The burst: WeRoBot as the issue ran it (gunicorn, 2 processes x 32 threads); onecard's pools.
BURST_WEROBOT = (2, 32)
BURST_POOLS = {"web": (1, 0), "query": (2, 64), "reply": (1, 8)}
BURST_TARGET = {"acked_within_s": 5, "answered_after_end_s": 10}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def start_werobot(stack: Any, threads: int, processes: int = 1) -> list[Any]:
    """`processes` WeRoBot servers of `threads` threads on one port (gunicorn-like); once it answers."""
    port = free_port()
    procs = [spawn([sys.executable, "-m", "bench.werobot_app"], name="werobot", env={
        **stack.env, "BENCH_WEROBOT_TOKEN": TOKEN, "BENCH_WEROBOT_PORT": str(port),
        "BENCH_WEROBOT_THREADS": str(threads), "ONECARD_DATABASE_URL": stack.settings.resolved_database_url})
        for _ in range(processes)]
    for proc in procs:
        proc.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(procs[0].url, timeout=1)
            time.sleep(0.5)  # the others bind the port as quickly
            return procs
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"WeRoBot did not start:\n{procs[0].tail()}")


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
            werobot_ack = load({**common, "url": f"{werobot[0].url}/wechat", "openids": werobot_users})
        finally:
            for proc in werobot:
                proc.stop(signal.SIGKILL)
        web = start_web(stack, workers=1)
        pools = [stack.start_workers("query", processes=2, threads=16, name="side-query", extra_env=WORKER_ENV),
                 stack.start_workers("reply", processes=1, threads=8, name="side-reply", extra_env=WORKER_ENV)]
        try:
            clear_sent(stack)
            record = Path(tmp) / "onecard.jsonl"
            onecard_ack = load({**common, "url": f"{web.url}/wechat", "openids": onecard_users,
                                "record": str(record), "wechat_sim": stack.wechat_sim})
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


def burst(backend_name: str, count: int, concurrency: int, latency_ms: int, werobot_shape: tuple[int, int],
          pools: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """`count` balance queries from as many bound users, sent back to back by `concurrency`
    connections: when was every one acknowledged, and when answered, by each side."""
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp, \
            running_stack(Path(tmp)) as stack:
        werobot_users = bind_many(stack, count, prefix="obw")
        onecard_users = bind_many(stack, count, prefix="obo")
        stack.card_faults(latency_ms=latency_ms)
        # WeChat waits 5 s; the load generator waits longer to see when WeRoBot would have answered.
        common = {"concurrency": concurrency, "max_requests": count, "duration": 120, "content": "余额",
                  "timeout": 60.0}
        werobot = start_werobot(stack, werobot_shape[1], werobot_shape[0])
        try:
            record = Path(tmp) / "werobot.jsonl"
            werobot_ack = load({**common, "url": f"{werobot[0].url}/wechat", "openids": werobot_users,
                                "record": str(record)})
            werobot_times = burst_times(record, None)
        finally:
            for proc in werobot:
                proc.stop(signal.SIGKILL)
        web = start_web(stack, workers=pools["web"][0])
        started = {queue: stack.start_workers(queue, processes=p, threads=t, name=f"burst-{queue}",
                                              extra_env=WORKER_ENV)
                   for queue, (p, t) in pools.items() if queue != "web"}
        try:
            clear_sent(stack)
            record = Path(tmp) / "onecard.jsonl"
            groups = {"web": web.proc.pid, **{queue: pool.proc.pid for queue, pool in started.items()}}
            before = cpu_snapshot(groups)
            onecard_ack = load({**common, "url": f"{web.url}/wechat", "openids": onecard_users,
                                "record": str(record), "wechat_sim": stack.wechat_sim})
            answered = end_to_end(stack, record, timeout=120)
            onecard_times = burst_times(record, answer_times(stack, set(onecard_users)))
            onecard_times["cpu_ms_per_message"] = {name: round(1000 * (cpu - before[name]) / count, 2)
                                                   for name, cpu in cpu_snapshot(groups).items()}
        finally:
            web.stop(signal.SIGKILL)
            for pool in started.values():
                pool.stop()
    return {"backend": backend_name, "callbacks": count, "connections": concurrency, "card_latency_ms": latency_ms,
            "werobot": {"processes": werobot_shape[0], "threads": werobot_shape[1], "ack_is_answer": werobot_ack,
                        **werobot_times},
            "onecard": {"processes": pools, "ack": onecard_ack, "answer": answered, **onecard_times}}


def answer_times(stack: Any, openids: set[str]) -> dict[str, float]:
    """openid -> when the WeChat simulator received its first customer-service message."""
    first: dict[str, float] = {}
    for message in sent_messages(stack):
        if message["touser"] in openids:
            first[message["touser"]] = min(first.get(message["touser"], message["at"]), message["at"])
    return first


def burst_times(record: Path, answers: dict[str, float] | None) -> dict[str, Any]:
    """Seconds from the first callback sent: the last acknowledged (within WeChat's 5 s or not), the
    last answered, and how long after the burst's end (its last acknowledgement) that was. `answers`
    None: the acknowledgement is the answer (a passive reply)."""
    rows = read_records(record)
    start = min(r[2] for r in rows)
    acks = [r[3] for r in rows if r[3] is not None]
    end = max(acks, default=start)
    done = acks if answers is None else [answers[r[0]] for r in rows if r[0] in answers]
    last = max(done, default=None)
    return {"acked": len(acks), "acked_within_5s": sum(1 for r in rows if r[3] is not None and r[3] - r[2] <= 5),
            "last_ack_s": round(end - start, 2), "answered": len(done),
            "last_answer_s": round(last - start, 2) if last else None,
            "last_answer_after_burst_end_s": round(last - end, 2) if last else None}


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    latency = int(os.environ.get("BENCH_CARD_LATENCY_MS", "200"))
    threads = int(os.environ.get("BENCH_WEROBOT_THREADS", "8"))
    # Below and above what WeRoBot's threads can carry (threads / card latency: 40/s by default).
    rates = [int(r) for r in os.environ.get("BENCH_SIDE_RATES", "20" if quick else "20,60").split(",")]
    duration = 4.0 if quick else 15.0
    backends = ["embedded"] if quick else ["embedded", "postgres-redis"]
    count = int(os.environ.get("BENCH_BURST_CALLBACKS", 1000 if quick else 5000))
    bursts = [burst(name, count, min(1000, count), latency, BURST_WEROBOT, BURST_POOLS) for name in backends]
    return {"runs": [compare(name, rate, duration, latency, threads) for name in backends for rate in rates],
            "bursts": bursts, "burst_target": BURST_TARGET,
            "burst_meets_target": all(
                b["onecard"]["acked_within_5s"] == b["callbacks"] and b["onecard"]["answered"] == b["callbacks"]
                and (b["onecard"]["last_answer_after_burst_end_s"] or 1e9) <= BURST_TARGET["answered_after_end_s"]
                and (b["onecard"]["last_answer_s"] or 1e9) < (b["werobot"]["last_answer_s"] or 0)
                for b in bursts)}
