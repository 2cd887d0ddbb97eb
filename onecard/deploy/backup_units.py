"""The nightly backup as systemd runs it: `onecard backup` from a timer, on one host only.

Not part of onecard.target: a host that runs processes need not hold the backups, and two hosts
dumping the same database the same night is twice the load for the same file.
"""

from __future__ import annotations

from onecard.deploy.host import Host
from onecard.deploy.systemd import BACKENDS, HEADER, hardening
from onecard.deploy.unitfile import render

#: After the 02:00 reconciliation, before the campus wakes (Asia/Shanghai, whatever the host's zone).
BACKUP_AT = "*-*-* 03:30:00 Asia/Shanghai"


def backup_units(host: Host, keep: int) -> dict[str, str]:
    service = render({
        "Unit": [("Description", "onecard database backup (onecard backup)"), ("Wants", "network-online.target"),
                 ("After", f"network-online.target {BACKENDS}")],
        "Service": [("Type", "oneshot"),
                    ("ExecStart", f"{host.onecard} backup --output {host.backup_dir} --keep {keep}"),
                    ("TimeoutStartSec", "3h"), ("Nice", "10"), ("IOSchedulingClass", "idle"), *hardening(host),
                    ("ReadWritePaths", str(host.backup_dir))],
    }, HEADER)
    timer = render({
        "Unit": [("Description", "onecard database backup, nightly")],
        "Timer": [("OnCalendar", BACKUP_AT), ("RandomizedDelaySec", "10min"), ("Persistent", "yes")],
        "Install": [("WantedBy", "timers.target")],
    }, HEADER)
    return {"onecard-backup.service": service, "onecard-backup.timer": timer}
