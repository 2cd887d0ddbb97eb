"""Run one benchmark module in a child process with a time limit (see bench/__main__.py)."""

from __future__ import annotations

import multiprocessing
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def _child(name: str, results_dir: str, quick: bool, out: Any) -> None:
    import importlib
    import signal

    # Past its time limit a benchmark gets SIGTERM: unwind, so that the `finally` blocks stop the
    # processes it started (they run in sessions of their own and would outlive a plain kill).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"{name}: stopped at its time limit"))

    try:
        module = importlib.import_module(f"bench.{name}")
        out.send({"ok": True, "result": module.run(Path(results_dir), quick)})
    except BaseException as exc:  # report whatever went wrong instead of dying silently
        out.send({"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})


def run_one(name: str, results_dir: Path, quick: bool, limit: float) -> dict[str, Any]:
    """One benchmark in a child process, killed (with its process group's children) past `limit`."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(name, str(results_dir), quick, child), name=name)
    started = time.monotonic()
    proc.start()
    outcome: dict[str, Any] = {"ok": False, "error": f"no result within {limit:.0f} s"}
    if parent.poll(limit):
        try:
            outcome = parent.recv()
        except EOFError:
            outcome = {"ok": False, "error": "the benchmark process died"}
    proc.join(10)
    if proc.is_alive():
        proc.terminate()
        proc.join(60)
    if proc.is_alive():
        proc.kill()
        proc.join()
    outcome["seconds"] = round(time.monotonic() - started, 1)
    return outcome


