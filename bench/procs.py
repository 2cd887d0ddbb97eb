"""The processes a benchmark runs: the ingress (`onecard web`), worker pools, the scheduler and the
load generator, each a real OS process as in production, against a stack from `tests.harness`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from adapters.cardsystem.demo import DemoHolder
from onecard.process_group import stop_group
from onecard.serve import free_port
from store.tables import Binding, utcnow
from tests.harness import OUTPUT, ROOT, TOKEN, Stack

#: As `onecard worker` sets it: an idle Redis consumer polls at least every 100 ms (dramatiq's
#: default backs off to 1 s, which adds up to a second per hop to a quiet queue's latency).
WORKER_ENV = {"dramatiq_worker_timeout": "100"}

BACKENDS = {
    "embedded": {},
    "postgres-redis": {"ONECARD_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
                       "ONECARD_TEST_BROKER_URL": "redis://127.0.0.1:6379/0"},
}


@contextmanager
def backend(name: str) -> Iterator[None]:
    """Point `tests.harness.running_stack` at a backend configuration for the duration."""
    saved = {k: os.environ.get(k) for k in ("ONECARD_TEST_DATABASE_URL", "ONECARD_TEST_BROKER_URL")}
    for key in saved:
        os.environ.pop(key, None)
    os.environ.update(BACKENDS[name])
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Proc:
    """A child process in its own session, so that a kill reaches all of its children."""

    proc: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        stop_group(self.proc, sig)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def spawn(stack: Stack, args: list[str], name: str, extra_env: dict[str, str] | None = None) -> Proc:
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env={**os.environ, **stack.env, **(extra_env or {})}, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    return Proc(proc, log)


def start_web(stack: Stack, *, workers: int = 1, port: int | None = None, name: str = "web") -> Proc:
    """`onecard web` as production runs it; returns once /healthz answers.

    Without a fixed port, a free one is picked; another process on the machine can take it before
    uvicorn binds it, so then a new one is picked (a couple of times).
    """
    if port is None:
        for _attempt in range(3):
            try:
                return _start_web(stack, workers, free_port(), name)
            except PortTaken:
                continue
    return _start_web(stack, workers, port or free_port(), name)


class PortTaken(RuntimeError):
    pass


def _start_web(stack: Stack, workers: int, port: int, name: str) -> Proc:
    web = spawn(stack, [sys.executable, "-m", "onecard.cli", "web", "--port", str(port), "--workers", str(workers)],
                name)
    web.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.proc.poll() is not None:
            error = PortTaken if "address already in use" in web.tail() else RuntimeError
            raise error(f"web exited:\n{web.tail()}")
        try:
            if requests.get(f"{web.url}/healthz", timeout=1).ok:
                return web
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    web.kill()
    raise RuntimeError(f"web did not start:\n{web.tail()}")


def start_scheduler(stack: Stack) -> Proc:
    return spawn(stack, [sys.executable, "-m", "onecard.cli", "scheduler"], "scheduler")


def load(spec: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Run the load generator in its own process; its JSON summary."""
    spec = {"token": TOKEN, **spec}
    limit = timeout or 2 * spec["duration"] * (1 + spec.get("retries", 0)) + spec.get("timeout", 10) + 90
    done = subprocess.run([sys.executable, "-m", "bench.loadgen"], input=json.dumps(spec).encode(),
                          capture_output=True, cwd=ROOT, timeout=limit, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return dict(json.loads(done.stdout))


def bind_many(stack: Stack, count: int, prefix: str = "obound") -> list[str]:
    """`count` bound users, each with a card of their own in the card-system simulator."""
    openids = []
    card = stack.simulators.card
    with stack.platform.uow() as uow:
        for n in range(count):
            student_no = f"{prefix[-3:]}{n:07d}"
            holder = DemoHolder(student_no, f"用户{n}", f"1370000{n:04d}", f"69{n:08d}", 1000 + n)
            with card.lock:
                card.holders[student_no] = holder
                card.balances[student_no] = holder.balance_fen
            openid = f"{prefix}{n}"
            uow.session.add(Binding(openid=openid, student_no=student_no, name=holder.name, phone=holder.phone,
                                    bound_at=utcnow()))
            openids.append(openid)
        uow.commit()
    return openids


def sent_messages(stack: Stack) -> list[dict[str, Any]]:
    """Every customer-service message the WeChat simulator received (seq, touser, content, at)."""
    with stack.simulators.wechat.lock:
        return [{"touser": m.touser, "content": m.content, "at": m.at} for m in stack.simulators.wechat.state.messages]


def clear_sent(stack: Stack) -> None:
    with stack.simulators.wechat.lock:
        stack.simulators.wechat.state.messages.clear()


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every live process in a process group, read from /proc.

    Each process the benchmarks start leads a group of its own (uvicorn's and dramatiq's workers
    included), so this is what one `onecard web` or one worker pool costs.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process: the harness and the simulators it serves in threads."""
    times = os.times()
    return times.user + times.system


def wait_until(predicate: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
