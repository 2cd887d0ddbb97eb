"""`onecard deploy systemd`: one unit per process the Procfile lists, the migration before them, a target.

    onecard.target ──wants──> onecard-migrate.service   (oneshot: `onecard db upgrade`)
                   ──wants──> onecard-web.service, onecard-<pool>.service…, onecard-scheduler.service
                                 each Requires= and After= onecard-migrate.service

So `systemctl restart onecard.target` stops every process, migrates, and only then starts the new
ones: an upgrade never runs new workers on an old schema, and a failed migration starts nothing.
The units are per process, so a host writes (`--pools`) and starts the subset it runs.
"""

from __future__ import annotations

from onecard.deploy.host import CARD_FEED, Host, Process, Scale, arguments
from onecard.deploy.unitfile import Section, render

TARGET = "onecard.target"
MIGRATE = "onecard-migrate.service"
HEADER = "Written by `onecard deploy systemd`; docs/production.md says how to install and change it."
#: Seconds a process may take to stop after SIGTERM: the web answers what it is in the middle of,
#: a worker finishes the message in hand, the scheduler the job it runs (a reconciliation).
STOP_SECONDS = {"web": 30, "worker": 60, "scheduler": 300, CARD_FEED: 30}
#: Servers that may run on the same host: ordered before onecard, so a shutdown stops onecard first.
BACKENDS = "postgresql.service redis-server.service rabbitmq-server.service"


def unit_name(process: Process) -> str:
    return f"onecard-{process.name}.service"


def hardening(host: Host) -> Section:
    """What a process of onecard needs of the machine: its data folder, the network, nothing more."""
    under_home = any(str(path).startswith("/home/") for path in (host.venv, host.data_dir))
    return [
        ("User", host.user), ("Group", host.user), ("EnvironmentFile", str(host.env_file)),
        ("WorkingDirectory", str(host.data_dir)), ("UMask", "0077"),
        ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ReadWritePaths", str(host.data_dir)),
        ("ProtectHome", "read-only" if under_home else "yes"), ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"), ("ProtectKernelModules", "yes"), ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"), ("ProtectClock", "yes"), ("ProtectHostname", "yes"),
        ("RestrictSUIDSGID", "yes"), ("RestrictRealtime", "yes"), ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"), ("RemoveIPC", "yes"), ("CapabilityBoundingSet", ""),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"),
        ("SystemCallArchitectures", "native"), ("SystemCallFilter", "@system-service"),
        ("SystemCallErrorNumber", "EPERM"),
    ]


def process_unit(process: Process, host: Host, scale: Scale, pools: list[Process]) -> str:
    command = " ".join([host.onecard, *arguments(process, scale, pools)])
    return render({
        "Unit": [("Description", f"onecard {process.name} ({command.split('/')[-1]})"),
                 ("PartOf", TARGET), ("Requires", MIGRATE), ("Wants", "network-online.target"),
                 ("After", f"{MIGRATE} network-online.target {BACKENDS}"),
                 # Five failed starts in ten minutes is a fault to look at, not to retry.
                 ("StartLimitIntervalSec", "600"), ("StartLimitBurst", "5")],
        "Service": [("Type", "exec"), ("ExecStart", command),
                    # Exit 2 is a setting missing (the card feed's URL, a port): restarting cannot help.
                    ("Restart", "on-failure"), ("RestartSec", "5"), ("RestartPreventExitStatus", "2"),
                    ("TimeoutStopSec", str(STOP_SECONDS[process.role])), *hardening(host)],
        "Install": [("WantedBy", TARGET)],
    }, HEADER)


def migrate_unit(host: Host) -> str:
    return render({
        "Unit": [("Description", "onecard database migrations (onecard db upgrade)"),
                 ("PartOf", TARGET), ("Wants", "network-online.target"),
                 ("After", f"network-online.target {BACKENDS}")],
        "Service": [("Type", "oneshot"), ("RemainAfterExit", "yes"),
                    ("ExecStart", f"{host.onecard} db upgrade"), ("TimeoutStartSec", "30min"), *hardening(host)],
        "Install": [("WantedBy", TARGET)],
    }, HEADER)


def target_unit(units: list[str]) -> str:
    return render({
        "Unit": [("Description", "onecard: the processes this host runs"), ("Wants", " ".join(units))],
        "Install": [("WantedBy", "multi-user.target")],
    }, HEADER)


def systemd_units(processes: list[Process], written: set[str], started: set[str], host: Host,
                  scale: Scale) -> dict[str, str]:
    """File name -> text: a unit for each of `processes` named in `written`, the migration, and a target
    starting those named in `started`. A pool's metrics port counts over all of `processes`, so it is
    the same on every host whatever subset the host writes."""
    pools = [p for p in processes if p.role == "worker"]
    mine = [p for p in processes if p.name in written]
    files = {MIGRATE: migrate_unit(host)}
    files.update({unit_name(p): process_unit(p, host, scale, pools) for p in mine})
    files[TARGET] = target_unit([MIGRATE, *(unit_name(p) for p in mine if p.name in started)])
    return files
