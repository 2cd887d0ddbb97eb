"""Check 11: room on the disk of the data folder (the SQLite database, the embedded Redis's
append-only file, the SMS sink, the metrics files). A full disk stops every write, and with it every
callback WeChat is waiting on; below the warning floor there are days, not hours, to act.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from onecard.doctor.check import Check, fail, ok, warn

NAME = "磁盘空间"
GIB = 1024**3
#: Below this the platform may stop writing within hours of a busy day: a blocker.
FAIL_BELOW_BYTES = 1 * GIB
#: Below this an operator should make room soon.
WARN_BELOW_BYTES = 5 * GIB


def check_disk(data_dir: Path) -> list[Check]:
    usage = shutil.disk_usage(data_dir)
    found = f"数据目录 {data_dir} 所在磁盘剩余 {usage.free / GIB:.1f} GB（共 {usage.total / GIB:.1f} GB）"
    remedy = "清理磁盘或扩容，或把 ONECARD_DATA_DIR 移到更大的磁盘"
    if usage.free < FAIL_BELOW_BYTES:
        return [fail(NAME, f"{found}，低于 {FAIL_BELOW_BYTES // GIB} GB", remedy)]
    if usage.free < WARN_BELOW_BYTES:
        return [warn(NAME, f"{found}，低于 {WARN_BELOW_BYTES // GIB} GB", remedy)]
    return [ok(NAME, found)]
