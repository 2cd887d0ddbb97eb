"""`python -m bench [--quick] [NAME…]`: run every `bench/bench_*.py` and write the report.

Each module has `def run(results_dir: pathlib.Path, quick: bool) -> dict`; modules are found by
name, so a new `bench_*.py` (the top-up chaos run, …) takes part without being registered. Each
runs in its own process with a time limit, so one that hangs or crashes cannot take the others
down. The report is `bench/results/report.json` plus the charts `bench/charts.py` draws from it.
"""

from __future__ import annotations

import argparse
import json
import os
import pkgutil
import platform
import sys
import timeit
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.runner import run_one

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEFAULT_LIMIT_S = 1200


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def python_speed_ms() -> float:
    """Milliseconds one core takes for a fixed piece of pure Python (best of five; lower is faster).

    Reports compare only beside their machines' speeds, so it is taken before the run and after
    each benchmark: on this project's 2-core machines it has been seen to drift from 6.5 to 10.7 ms
    within a minute, and the same code ran the same mix with a quarter more CPU a message on one
    machine than on another.
    """
    runs = timeit.repeat("sum(i * i for i in range(100_000))", number=10, repeat=5)
    return round(1000 * min(runs) / 10, 2)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. bench_ingress")
    parser.add_argument("--quick", action="store_true", help="short variants")
    parser.add_argument("--limit", type=float, default=float(os.environ.get("BENCH_LIMIT_S", DEFAULT_LIMIT_S)),
                        help="seconds each benchmark may take")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true",
                        help="update the existing report: replace only the benchmarks run now")
    args = parser.parse_args(argv)
    names = args.names or discover()
    args.results.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "python_speed_ms": python_speed_ms(),
                    "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": load_average()},
        "quick": args.quick,
        "benchmarks": {},
    }
    path = args.results / "report.json"
    if args.keep and path.exists():
        kept = json.loads(path.read_text())
        report["benchmarks"] = {k: v for k, v in kept.get("benchmarks", {}).items() if k not in names}
        report["kept_from"] = kept.get("started")
    for name in names:
        print(f"== {name}", flush=True)
        outcome = run_one(name, args.results, args.quick, args.limit)
        outcome["load_average_after"] = load_average()
        outcome["python_speed_ms_after"] = python_speed_ms()
        outcome["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        report["benchmarks"][name] = outcome
        print(json.dumps(outcome.get("result", outcome), ensure_ascii=False)[:1500], flush=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    from bench.charts import draw

    for chart in draw(report, args.results):
        print("chart:", chart)
    print("report:", path)
    return 0 if all(report["benchmarks"][name].get("ok") for name in names) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
