"""A fault run: the platform as production runs it (ingress, one pool per topic, reply pool,
scheduler: each its own process), steady WeChat traffic, one fault in the middle, and then the
count: every acknowledged callback answered exactly once, nothing lost.

Used by the short tests (`make test`) and the long runs (`make bench`, bench/bench_reliability.py).
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from onecard.serve import free_port
from store.outbound import FINAL_STATUSES
from store.tables import OutboundMessage
from tests.harness import Stack
from tests.processes import Process, WorkerPool, start_scheduler, start_web, wait_until
from tests.reliability.traffic import Traffic, wait_for_replies

POOLS = ("general", "query", "bind", "reply")
FAULTS = ("ingress", "general-pool", "query-pool", "bind-pool", "reply-pool", "broker", "database")


@dataclass
class Running:
    stack: Stack
    web: Process
    pools: dict[str, WorkerPool]
    scheduler: Process
    broker: PrivateRedis | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        self.web.stop()
        self.scheduler.stop()
        for pool in self.pools.values():
            pool.stop()


@dataclass
class PrivateRedis:
    """A redis-server of our own on a free port (append-only), so that restarting it harms nobody."""

    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.folder.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--appendonly", "yes",
                                      "--appendfsync", "always", "--dir", str(self.folder), "--save", ""],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url)
        assert wait_until(lambda: _pings(client), timeout=10, interval=0.05), "redis-server did not start"
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(folder).start()
    try:
        yield server
    finally:
        server.kill()


def start_platform(stack: Stack, broker: PrivateRedis | None = None) -> Running:
    """Every process at once (their start-ups overlap), each ready before traffic begins."""
    with ThreadPoolExecutor(len(POOLS) + 1) as starting:
        web = starting.submit(start_web, stack, name="chaos-web")
        pools = {name: starting.submit(stack.start_workers, name, threads=4, name=f"chaos-{name}",
                                       extra_env={"dramatiq_worker_timeout": "100"}) for name in POOLS}
        return Running(stack, web.result(), {n: f.result() for n, f in pools.items()}, start_scheduler(stack), broker)


def _restart_pool(run: Running, name: str, down_for: float) -> None:
    run.pools[name].stop(signal.SIGKILL)
    run.stack.pools.remove(run.pools[name])
    # Counted once the pool is dead, not before the kill: a send claimed between a count and the kill
    # would be cut off uncounted. Only the reply pool sends, so these are exactly the cut-off sends.
    with run.stack.platform.uow() as uow:
        run.notes["sending_at_kill"] = uow.session.execute(
            select(func.count()).where(OutboundMessage.status == "sending")).scalar_one()
    time.sleep(down_for)
    run.pools[name] = run.stack.start_workers(name, threads=4, name=f"chaos-{name}",
                                              extra_env={"dramatiq_worker_timeout": "100"})


def _restart_web(run: Running, down_for: float) -> None:
    port = int(run.web.url.rsplit(":", 1)[1])
    run.web.stop(signal.SIGKILL)
    time.sleep(down_for)
    run.web = start_web(run.stack, port=port, name="chaos-web")


def _restart_broker(run: Running, down_for: float) -> None:
    assert run.broker is not None, "the broker fault needs a private redis-server"
    run.broker.kill()
    time.sleep(down_for)
    run.broker.start()


def _database_outage(run: Running, down_for: float) -> None:
    url = run.stack.settings.resolved_database_url
    if url.startswith("sqlite"):
        # Another process holding the write lock: every writer waits (the ingress) or fails (workers).
        lock = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        lock.execute("BEGIN EXCLUSIVE")
        time.sleep(down_for)
        lock.execute("ROLLBACK")
        lock.close()
        return
    # PostgreSQL: refuse new connections and cut the open ones, on this run's private database only.
    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    database = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                     {"d": database})
        time.sleep(down_for)
        conn.execute(text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true'))
    admin.dispose()


def inject(run: Running, fault: str, down_for: float) -> None:
    if fault == "ingress":
        _restart_web(run, down_for)
    elif fault.endswith("-pool"):
        _restart_pool(run, fault.removesuffix("-pool"), down_for)
    elif fault == "broker":
        _restart_broker(run, down_for)
    elif fault == "database":
        _database_outage(run, down_for)
    else:
        raise ValueError(f"unknown fault {fault!r}")


def settled(stack: Stack) -> bool:
    """No reply waiting to be sent or being sent."""
    with stack.platform.uow() as uow:
        open_rows = uow.session.execute(
            select(func.count()).where(OutboundMessage.status.not_in(FINAL_STATUSES))).scalar_one()
    return open_rows == 0


@dataclass
class Outcome:
    fault: str
    acked: int
    refused: int
    answered_once: int
    lost: list[str]
    duplicated: dict[str, int]
    statuses: dict[str, int]
    notes: dict[str, Any]
    seconds: float


def survive(stack: Stack, fault: str, *, duration: float = 6.0, rate: float = 10.0, fault_at: float = 2.0,
            down_for: float = 1.5, broker: PrivateRedis | None = None, settle: float = 90.0) -> Outcome:
    started = time.monotonic()
    run = start_platform(stack, broker)
    try:
        traffic = Traffic(f"{run.web.url}/wechat", rate=rate, wechat_sim=stack.wechat_sim)
        sender = traffic.start(duration)
        time.sleep(fault_at)
        fault_thread = threading.Thread(target=inject, args=(run, fault, down_for))
        fault_thread.start()
        sender.join()
        fault_thread.join()
        counts = wait_for_replies(stack, traffic.acked, timeout=settle)
        wait_until(lambda: settled(stack), timeout=settle, interval=0.5)
        time.sleep(1.0)  # a late duplicate would have been sent by now
        counts = wait_for_replies(stack, traffic.acked, timeout=1)
    finally:
        run.stop()
    return Outcome(
        fault=fault, acked=len(traffic.acked), refused=len(traffic.refused),
        answered_once=sum(1 for c in counts.values() if c == 1),
        lost=[o for o, c in counts.items() if c == 0],
        duplicated={o: c for o, c in counts.items() if c > 1},
        statuses=dict(traffic.statuses), notes=run.notes, seconds=round(time.monotonic() - started, 1),
    )
