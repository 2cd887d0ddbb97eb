"""Each call of a conformance run: made through onecard's own HTTP stack, timed against the time-out
the contract gives its operation, and its answer checked against the contract's schema.

onecard gives up on an operation after its `x-onecard-timeout` (the clients' default, 5 s, where the
contract names none): an answer later than that is one onecard never sees, so it fails the run with
the time measured; one later than half of it is a warning, since a busy day adds to it. The runner
waits up to twice the time-out so that a late answer is measured rather than cut off.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from adapters.contracts import Contract
from adapters.http import HttpJsonClient
from events.errors import TransientError
from onecard.conformance.report import Report

#: What onecard's clients wait when the contract names no time-out for an operation.
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Answer:
    """One call and what came back: `status` None when nothing did (`error` says why)."""

    method: str
    template: str
    path: str
    status: int | None
    body: Any
    text: str
    seconds: float
    error: str = ""

    @property
    def operation(self) -> str:
        return f"{self.method} {self.template}"

    def evidence(self) -> str:
        """The call and its answer as a developer reads them in a report: status and body, cut short."""
        if self.status is None:
            return f"{self.method} {self.path} → 没有答复（{self.error}，等待 {self.seconds:.2f} s）"
        return f"{self.method} {self.path} → HTTP {self.status} {self.text[:300]}"


class Probe:
    """Calls to one bridge, each timed and checked; timing findings go straight into `report`."""

    def __init__(self, base_url: str, contract: Contract | None, report: Report) -> None:
        self.http = HttpJsonClient(base_url)
        self.contract = contract
        self.report = report
        self._undocumented: set[str] = set()

    def close(self) -> None:
        self.http.session.close()

    def contract_path(self, method: str, template: str) -> str | None:
        """The contract's own spelling of `template` (its parameters may be named differently)."""
        return None if self.contract is None else self.contract.match(method, template)

    def timeout(self, method: str, template: str) -> float:
        path = self.contract_path(method, template)
        limit = self.contract.timeout(method, path) if self.contract is not None and path else None
        return limit or DEFAULT_TIMEOUT

    def call(self, method: str, template: str, path_params: dict[str, str] | None = None, *,
             query: dict[str, Any] | None = None, body: Any = None) -> Answer:
        path = template.format(**{k: quote(str(v), safe=":") for k, v in (path_params or {}).items()})
        limit = self.timeout(method, template)
        kwargs: dict[str, Any] = {}
        if query:
            kwargs["params"] = query
        if body is not None:
            kwargs["json"] = body
        started = time.perf_counter()
        try:
            response = self.http.send(method, path, timeout=limit, **kwargs)
        except TransientError as exc:
            seconds = time.perf_counter() - started
            cause = exc.__cause__
            error = "超时" if isinstance(cause, requests.Timeout) else f"连接失败：{type(cause).__name__}"
            answer = Answer(method, template, path, None, None, "", seconds, error)
        else:
            seconds = time.perf_counter() - started
            try:
                decoded: Any = response.json()
            except ValueError:
                decoded = None
            answer = Answer(method, template, path, response.status_code, decoded, response.text, seconds)
        self._time(answer, limit)
        return answer

    def _time(self, answer: Answer, limit: float) -> None:
        where = f"{answer.operation} 的时限（x-onecard-timeout）为 {limit:g} s"
        if (answer.status is None and answer.error == "超时") or answer.seconds > limit:
            self.report.fail(f"超时：{answer.operation}", f"须在 {limit:g} s 内答复，onecard 等到时限即放弃这次调用",
                             f"{where}；实测 {answer.seconds:.2f} s；{answer.evidence()}", answer.seconds)
        elif answer.seconds > limit / 2:
            self.report.warn(f"响应较慢：{answer.operation}",
                            f"用时已超过时限的一半，繁忙时可能超时（{where}）", f"实测 {answer.seconds:.2f} s",
                            answer.seconds)

    def problems(self, answer: Answer, expect: int | tuple[int, ...]) -> list[str]:
        """What is wrong with `answer`: no answer, another status than `expect`, or a body the
        contract refuses (nothing is said of a body the contract does not describe)."""
        if answer.status is None:
            return [answer.evidence()]
        wanted = (expect,) if isinstance(expect, int) else expect
        found: list[str] = []
        if answer.status not in wanted:
            found.append(f"应为 HTTP {' 或 '.join(map(str, wanted))}，实为 {answer.evidence()}")
        path = self.contract_path(answer.method, answer.template)
        if self.contract is not None and path is None:
            if answer.operation not in self._undocumented:
                self._undocumented.add(answer.operation)
                self.report.warn(f"契约未描述 {answer.operation}", "未检查其应答格式（请更新 onecard）")
            return found
        if self.contract is None or path is None:
            return found
        shape = self.contract.response_problems(answer.method, path, answer.status, answer.body)
        if shape and answer.body is None:
            return [*found, f"应答须为契约所述的 JSON：{answer.evidence()}"]
        found += [f"{answer.operation} HTTP {answer.status} 应答格式：{p}" for p in shape]
        if found and answer.status in wanted:
            found.append(f"应答原文：{json.dumps(answer.body, ensure_ascii=False)[:300]}")
        return found

    def check(self, title: str, answer: Answer, expect: int | tuple[int, ...], fix: str,
              more: list[str] | None = None) -> bool:
        """✔ or ✘ for one call: its status, its body against the contract, and `more` problems the
        caller found in it (a field that must equal what was asked)."""
        problems = self.problems(answer, expect) + (more or [])
        return self.report.expect(f"{title}（{answer.operation}）", problems, fix, answer.seconds)

