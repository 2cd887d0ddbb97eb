"""What a conformance run found: one line per check, ✔ or ✘ with what to fix, printed for a vendor.

A failure says first, in Chinese, what the bridge must do, then the technical detail (the operation,
the status, the body, the key) the vendor's developer needs. The same findings print as JSON for a
CI job (`--json`). A run passes only when nothing failed; a warning (a slow answer) or a skipped
check (money steps without `--with-money`) does not fail it, but is printed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from onecard.checks import Check, Status


@dataclass
class Report:
    """The checks of one run (`onecard.checks.Check`: a check's `remedy` is what the vendor must change)."""

    system: str
    url: str
    findings: list[Check] = field(default_factory=list)

    def add(self, status: Status, title: str, fix: str = "", detail: str = "", seconds: float | None = None) -> Check:
        finding = Check(title, status, remedy=fix, detail=detail, seconds=seconds)
        self.findings.append(finding)
        return finding

    def ok(self, title: str, seconds: float | None = None) -> None:
        self.add(Status.OK, title, seconds=seconds)

    def warn(self, title: str, fix: str, detail: str = "", seconds: float | None = None) -> None:
        self.add(Status.WARN, title, fix, detail, seconds)

    def fail(self, title: str, fix: str, detail: str = "", seconds: float | None = None) -> None:
        self.add(Status.FAIL, title, fix, detail, seconds)

    def skip(self, title: str, how: str) -> None:
        """A check not run, and what would run it."""
        self.add(Status.SKIP, title, how)

    def no_holder(self) -> None:
        self.skip("测试持卡人的各项查询", "加 --holder 学号（学校提供的测试持卡人）才运行")

    def expect(self, title: str, problems: list[str], fix: str, seconds: float | None = None) -> bool:
        """✔ when `problems` is empty, else one ✘ with `fix` and the problems as its detail."""
        if problems:
            self.fail(title, fix, "; ".join(problems), seconds)
        else:
            self.ok(title, seconds)
        return not problems

    @property
    def passed(self) -> bool:
        return not any(f.blocker for f in self.findings)

    def count(self, status: Status) -> int:
        return sum(f.status is status for f in self.findings)

    def text(self) -> str:
        lines = [f"onecard conformance {self.system} {self.url}", ""]
        for f in self.findings:
            took = f" ({f.seconds * 1000:.0f} ms)" if f.seconds is not None else ""
            lines.append(f"{f.mark} {f.name}{took}")
            if f.remedy:
                lines.append(f"    {'应' if f.blocker else '注'}：{f.remedy}")
            if f.detail:
                lines.append(f"    详情：{f.detail}")
        verdict = "通过" if self.passed else "未通过"
        lines += ["", f"结果：{verdict}（✔ {self.count(Status.OK)} 项，✘ {self.count(Status.FAIL)} 项，"
                      f"⚠ {self.count(Status.WARN)} 项警告，– {self.count(Status.SKIP)} 项未检查）"]
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps({"system": self.system, "url": self.url, "passed": self.passed,
                           "findings": [asdict(f) for f in self.findings]}, ensure_ascii=False, indent=2)
