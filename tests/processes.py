"""Starting and stopping the platform's processes as production does, for the tests and the benchmarks.

Each child leads a process group of its own (uvicorn's and dramatiq's workers included), so a
signal reaches all of it; its output goes to test-output/NAME-xxxx.log.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from adapters.cardsystem.demo import DEMO_HOLDERS
from onecard.serve import free_port

if TYPE_CHECKING:
    from tests.harness import Stack

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"


@dataclass
class Process:
    """A child process in its own session, and the log it writes."""

    proc: subprocess.Popen[bytes]
    log: Path
    url: str = ""
    #: A web process's operations listener.
    ops_url: str = ""

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self) -> str:
        return self.text()[-3000:]

    def wait_for(self, ready: Callable[[], bool], timeout: float = 60.0) -> Process:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"process exited early:\n{self.tail()}")
            if ready():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"process not ready:\n{self.tail()}")

    def send(self, sig: int) -> None:
        """Signal the whole group, if the child still runs."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send `sig` to the group; SIGKILL it if it is not gone in `timeout`. The exit code."""
        self.send(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            return self.proc.wait()


class WorkerPool(Process):
    """A dramatiq worker pool: ready once dramatiq says so."""

    def ready(self, timeout: float = 60.0) -> WorkerPool:
        self.wait_for(lambda: "ready for action" in self.text(), timeout)
        return self


def spawn(args: list[str], *, name: str, env: dict[str, str] | None = None) -> Process:
    """Start `args` in a session of its own, with `env` over this process's environment."""
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT, start_new_session=True)
    return Process(proc, log)


def onecard(stack: Stack, *args: str, name: str, env: dict[str, str] | None = None) -> Process:
    """`onecard ARGS…` with the stack's settings."""
    return spawn([sys.executable, "-m", "onecard.cli", *args], name=name, env={**stack.env, **(env or {})})


def onecard_worker(stack: Stack, *args: str, name: str, env: dict[str, str] | None = None) -> WorkerPool:
    """`onecard worker ARGS…`, registered with the stack so that it is stopped after the test."""
    started = onecard(stack, "worker", *args, name=name, env=env)
    pool = WorkerPool(started.proc, started.log).ready()
    stack.pools.append(pool)
    return pool


def start_web(stack: Stack, *, workers: int = 1, port: int | None = None, name: str = "web") -> Process:
    """`onecard web` as production runs it; returns once /healthz answers.

    Without a fixed port, a free one is picked; another process on the machine can take it before
    uvicorn binds it, so then a new one is picked (a couple of times).
    """
    for _attempt in range(1 if port else 3):
        chosen = port or free_port()
        ops_port = free_port()
        web = onecard(stack, "web", "--port", str(chosen), "--workers", str(workers), "--ops-port", str(ops_port),
                      name=name)
        web.url = f"http://127.0.0.1:{chosen}"
        web.ops_url = f"http://127.0.0.1:{ops_port}"
        try:
            return web.wait_for(http_up(f"{web.url}/healthz"))
        except RuntimeError:
            web.stop(signal.SIGKILL)
            if "address already in use" not in web.text():
                raise
    raise RuntimeError(f"web could not bind a port:\n{web.tail()}")


def start_scheduler(stack: Stack) -> Process:
    return onecard(stack, "scheduler", name="scheduler")


def start_card_bridge(folder: Path, *, webhook_url: str, secret: str, port: int | None = None) -> Process:
    """The card bridge written from the contract alone (tests/fixtures/card_bridge), its database in
    `folder` and seeded with the demo holders, pushing swipes to `webhook_url` signed with `secret`;
    returns once its /health answers. The caller stops it."""
    holders = folder / "card-bridge-holders.json"
    holders.write_text(json.dumps([dataclasses.asdict(h) for h in DEMO_HOLDERS], ensure_ascii=False))
    port = port or free_port()
    bridge = spawn([sys.executable, "-m", "tests.fixtures.card_bridge", "--port", str(port),
                    "--db", str(folder / "card-bridge.sqlite"), "--webhook-url", webhook_url,
                    "--webhook-secret", secret, "--holders", str(holders)], name="card-bridge")
    bridge.url = f"http://127.0.0.1:{port}"
    try:
        return bridge.wait_for(http_up(f"{bridge.url}/health"))
    except RuntimeError:
        bridge.stop()
        raise


def http_up(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return requests.get(url, timeout=1).status_code < 500
        except requests.ConnectionError:
            return False

    return check


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.1) -> bool:
    """Whether `predicate` came true within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
