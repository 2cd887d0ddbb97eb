"""Match each acknowledged callback to the customer-service message it caused (by openid: one
callback per openid) and measure the time between them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.loadgen import percentile
from bench.procs import sent_messages
from tests.harness import Stack


def read_records(path: Path) -> list[tuple[str, int, float, float | None, str]]:
    return [tuple(json.loads(line)) for line in path.read_text().splitlines() if line]


def wait_for_replies(stack: Stack, openids: set[str], timeout: float) -> dict[str, list[float]]:
    """openid -> times (epoch) of the messages it received, once every openid has one (or timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        seen: dict[str, list[float]] = {}
        for message in sent_messages(stack):
            if message["touser"] in openids:
                seen.setdefault(message["touser"], []).append(message["at"])
        if len(seen) >= len(openids) or time.monotonic() > deadline:
            return seen
        time.sleep(0.5)


def end_to_end(stack: Stack, record: Path, timeout: float = 60.0) -> dict[str, Any]:
    records = read_records(record)
    acked = {r[0]: r[2] for r in records if r[3] is not None}
    replies = wait_for_replies(stack, set(acked), timeout)
    latencies = sorted(min(replies[o]) - sent for o, sent in acked.items() if o in replies)
    return {
        "acked": len(acked),
        "answered": len(latencies),
        "duplicates": sum(len(v) - 1 for v in replies.values()),
        "latency_ms": {f"p{q}": round(v * 1000, 1) if (v := percentile(latencies, q)) is not None else None
                       for q in (50, 95, 99)} | {"max": round(latencies[-1] * 1000, 1) if latencies else None},
        "answered_within_5s": round(sum(1 for v in latencies if v <= 5.0) / len(records), 4) if records else None,
    }
