"""Where onecard lives on a production machine, and which of its processes that machine runs.

Every process is stateless (docs/operations.md): hosts share one PostgreSQL and one broker, and a
host runs the subset of the Procfile's processes it is given, each as many times as it is scaled.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from onecard.procfile import processes

#: Not in the Procfile: only a card system that publishes to RabbitMQ needs it (ONECARD_CARD_FEED_URL).
CARD_FEED = "card-feed"
#: The first worker pool's metrics port; each pool after it in the Procfile takes the next one.
METRICS_PORT_BASE = 9101


@dataclass(frozen=True)
class Host:
    """The paths and account every unit names (the command's defaults follow the Filesystem Hierarchy Standard)."""

    user: str
    venv: PurePosixPath
    data_dir: PurePosixPath
    env_file: PurePosixPath
    backup_dir: PurePosixPath

    @property
    def onecard(self) -> str:
        """The `onecard` command of the venv onecard is installed in (`pip install` of a release)."""
        return str(self.venv / "bin" / "onecard")


@dataclass(frozen=True)
class Scale:
    """How much of each process a host runs: web server processes, a pool's processes, metrics ports."""

    web_workers: int = 1
    pool_processes: dict[str, int] = field(default_factory=dict)
    #: None: the pools serve no metrics. Ports follow the Procfile's order, so they are the same on every host.
    metrics_port_base: int | None = METRICS_PORT_BASE


@dataclass(frozen=True)
class Process:
    """One long-running process of the platform: its Procfile name and its `onecard` arguments."""

    name: str
    args: tuple[str, ...]

    @property
    def role(self) -> str:
        """`web`, `worker`, `scheduler` or `card-feed`: what decides its stop timeout and its flags."""
        return self.args[0]


def platform_processes(procfile: Path | None = None) -> list[Process]:
    """The Procfile's processes in its order, then the card feed."""
    found = []
    for name, command in (processes(procfile) if procfile else processes()).items():
        words = shlex.split(command)
        if words[0] != "onecard":
            raise ValueError(f"Procfile process {name!r} does not run `onecard`: {command!r}")
        found.append(Process(name, tuple(words[1:])))
    return [*found, Process(CARD_FEED, (CARD_FEED,))]


def arguments(process: Process, scale: Scale, pools: list[Process]) -> list[str]:
    """The process's `onecard` arguments on this host: the Procfile's, scaled."""
    args = list(process.args)
    if process.role == "web" and scale.web_workers > 1:
        args += ["--workers", str(scale.web_workers)]
    if process.role == "worker":
        if scale.pool_processes.get(process.name, 1) > 1:
            args += ["--processes", str(scale.pool_processes[process.name])]
        if scale.metrics_port_base is not None:
            args += ["--metrics-port", str(scale.metrics_port_base + pools.index(process))]
    return args
