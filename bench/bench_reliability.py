"""The long variants of the reliability suite: each fault of tests/reliability in the middle of
longer, heavier traffic; on PostgreSQL + Redis unless BENCH_RELIABILITY_BACKENDS says otherwise
(e.g. `embedded,postgres-redis`; the short variants run on every backend in `make test`)."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.procs import backend
from tests.harness import running_stack
from tests.reliability.scenario import FAULTS, private_redis, survive


def one(backend_name: str, fault: str, duration: float, rate: float) -> dict[str, Any]:
    with backend(backend_name), tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        if fault == "broker":
            with private_redis(Path(tmp) / "redis") as redis, \
                    running_stack(Path(tmp) / "stack", broker_url=redis.url) as stack:
                outcome = survive(stack, fault, duration=duration, rate=rate, fault_at=duration / 3,
                                  down_for=3.0, broker=redis, settle=120)
        else:
            with running_stack(Path(tmp)) as stack:
                outcome = survive(stack, fault, duration=duration, rate=rate, fault_at=duration / 3,
                                  down_for=3.0, settle=120)
    result = dataclasses.asdict(outcome)
    result["lost"] = len(outcome.lost)
    result["duplicated"] = sum(c - 1 for c in outcome.duplicated.values())
    result["backend"] = backend_name
    result["survived"] = outcome.refused == 0 and not outcome.lost and \
        result["duplicated"] <= outcome.notes.get("sending_at_kill", 0)
    return result


def run(results_dir: Path, quick: bool) -> dict[str, Any]:
    duration, rate = (6.0, 10.0) if quick else (20.0, 25.0)
    names = os.environ.get("BENCH_RELIABILITY_BACKENDS", "postgres-redis").split(",")
    faults = os.environ.get("BENCH_RELIABILITY_FAULTS", ",".join(FAULTS)).split(",")
    runs = [one(name, fault, duration, rate) for name in names for fault in faults]
    return {"duration_s": duration, "rate": rate, "runs": runs, "all_survived": all(r["survived"] for r in runs)}
