"""`onecard doctor`'s checks as data: passed, a warning, or a blocker (`onecard.checks.Check`), the
report of one run, and the words a failed connection is told in.

The command prints each as one line and the back-office's 运行监控 lists the same ones.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from onecard.checks import Check, Status


def ok(name: str, finding: str) -> Check:
    return Check(name, Status.OK, finding)


def warn(name: str, finding: str, remedy: str) -> Check:
    return Check(name, Status.WARN, finding, remedy)


def fail(name: str, finding: str, remedy: str) -> Check:
    return Check(name, Status.FAIL, finding, remedy)


def guarded(name: str, run: Callable[[], list[Check]], remedy: str) -> list[Check]:
    """`run`'s checks, or one blocker saying what went wrong: a check that cannot finish has not passed."""
    try:
        return run()
    except Exception as exc:  # whatever broke, the report goes on and says so
        return [fail(name, f"检查时出错：{describe(exc)}", remedy)]


def describe(exc: BaseException) -> str:
    """An exception as an operator reads it: the first line of its message (cut short), or its class
    where it has none."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if len(first) <= DESCRIBE_LIMIT else first[:DESCRIBE_LIMIT] + "…"


DESCRIBE_LIMIT = 160


@dataclass(frozen=True)
class Report:
    """Every check of one run, in the order they are read, and when it ran."""

    checks: tuple[Check, ...]
    at: datetime

    @property
    def blockers(self) -> int:
        return sum(c.status is Status.FAIL for c in self.checks)

    @property
    def warnings(self) -> int:
        return sum(c.status is Status.WARN for c in self.checks)

    def summary(self) -> str:
        if self.blockers:
            return f"{len(self.checks)} 项检查：{self.blockers} 项未通过（✘ 必须先解决），{self.warnings} 项警告。"
        if self.warnings:
            return f"{len(self.checks)} 项检查都没有阻碍上线，{self.warnings} 项警告（⚠）值得处理。"
        return f"{len(self.checks)} 项检查全部通过。"


class LastReport:
    """The latest report of this process, for the back-office's 运行监控 to show between runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._report: Report | None = None

    def get(self) -> Report | None:
        with self._lock:
            return self._report

    def put(self, report: Report) -> None:
        with self._lock:
            self._report = report


#: Why a connection failed, as the socket says it, and as an operator reads it.
NETWORK_REASONS = {
    "Connection refused": "连接被拒绝（该地址和端口上没有服务）",
    "Name or service not known": "域名无法解析",
    "Temporary failure in name resolution": "域名暂时无法解析",
    "No route to host": "网络不通",
    "Network is unreachable": "网络不通",
}


def network_reason(exc: BaseException) -> str:
    """A failed request's reason without the URL the line already names (requests puts the whole
    chain of urllib3's errors in one message)."""
    text = str(exc)
    if (found := re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)) is not None:
        reason = found.group(1).strip()
        return NETWORK_REASONS.get(reason, reason)
    if "timed out" in text.lower():
        return "超时，没有回答"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "证书校验失败（见「HTTPS 证书」一行）"
    return describe(exc)
