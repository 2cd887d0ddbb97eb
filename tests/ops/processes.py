"""Start `onecard …` commands as production does (their own process group, the stack's settings)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.harness import OUTPUT, ROOT, Stack, WorkerPool


@dataclass
class Process:
    proc: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, ready: Callable[[], bool], timeout: float = 60.0) -> Process:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"process exited early:\n{self.text()[-3000:]}")
            if ready():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"process not ready:\n{self.text()[-3000:]}")

    def send(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        self.send(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            return self.proc.wait()


def onecard(stack: Stack, *args: str, name: str, env: dict[str, str] | None = None) -> Process:
    """`onecard ARGS…` with the stack's environment, output in test-output/NAME-xxxx.log."""
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "onecard.cli", *args],
                                env={**os.environ, **stack.env, **(env or {})}, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    return Process(proc, log)


def onecard_worker(stack: Stack, *args: str, name: str, env: dict[str, str] | None = None) -> WorkerPool:
    """`onecard worker ARGS…`, registered with the stack so that it is stopped after the test."""
    started = onecard(stack, "worker", *args, name=name, env=env)
    pool = WorkerPool(started.proc, started.log).ready()
    stack.pools.append(pool)
    return pool


def http_up(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return requests.get(url, timeout=1).status_code < 500
        except requests.ConnectionError:
            return False

    return check
