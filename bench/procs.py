"""What a benchmark needs beside the processes it starts (with `tests.processes`): a backend
configuration, the load generator in a process of its own, bound users, and CPU time per process group.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.cardsystem.demo import DemoHolder, demo_transactions
from store.tables import Binding, utcnow
from tests.harness import ROOT, TOKEN, Stack

#: As `onecard worker` sets it: a consumer with a full prefetch asks again within 100 ms (dramatiq's
#: default backs off to 1 s); an empty Redis queue is waited on instead (`adapters.broker.redis_waking`).
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
    """`count` bound users, each with a card (and a statement) of their own in the card-system simulator."""
    openids = []
    card = stack.simulators.card
    now = utcnow()
    with stack.platform.uow() as uow:
        for n in range(count):
            student_no = f"{prefix[-3:]}{n:07d}"
            holder = DemoHolder(student_no, f"用户{n}", f"1370000{n:04d}", f"69{n:08d}", 1000 + n)
            # Bench users have a statement, so 流水 and 账单 answer as for a real holder.
            card.ledger.open(student_no, holder.balance_fen, demo_transactions(student_no, holder.balance_fen, now))
            card.add_holder(holder)
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


def group_rss_mb(pgid: int) -> float:
    """Resident memory (MB) of every live process in a process group: what a pool costs in RAM."""
    pages = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[2]) == pgid:
                pages += int(Path(entry.path, "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def own_cpu_seconds() -> float:
    """This process: the harness and the simulators it serves in threads."""
    times = os.times()
    return times.user + times.system
