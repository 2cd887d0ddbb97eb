"""`onecard doctor`: the report printed one line a check, a summary, and exit 1 on any blocker (✘), so
a deployment script stops before go-live, or after a change, on what students would meet.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from onecard.doctor.check import Report, describe, fail
from onecard.doctor.config import check_settings
from onecard.doctor.run import diagnose
from onecard.settings import Settings


def report_for(settings: Settings, timeout: float) -> Report:
    """The platform these settings build, examined; where they cannot build one, the settings alone."""
    from onecard.bootstrap import build

    try:
        platform = build(settings)
    except Exception as exc:  # a setting bootstrap refuses: say which, and check what can be checked
        lines = [*check_settings(settings),
                 fail("设置", f"按这些设置无法启动平台：{describe(exc)}", "按上面和这条所说修改设置")]
        return Report(tuple(lines), datetime.now(UTC))
    try:
        return diagnose(platform, timeout=timeout)
    finally:
        platform.broker.close()
        platform.engine.dispose()


def main(settings: Settings | None = None, *, timeout: float = 10.0, out: TextIO = sys.stdout) -> int:
    report = report_for(settings or Settings(), timeout)
    for check in report.checks:
        print(check.line(), file=out)
    print(f"\n{report.summary()}", file=out)
    return 1 if report.blockers else 0
