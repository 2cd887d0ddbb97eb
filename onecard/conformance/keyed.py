"""The checks every money system's keyed operations share (`POST /ops/{key}`, `GET /ops/{key}`,
`POST /ops/{key}/void`): a step repeated gives its first outcome and applies once, a query answers
the first outcome, an unknown key answers `not_found`, a void makes a key never apply.

Outcomes are read with onecard's own model (`adapters.keyed.Outcome`), so a status onecard would
not understand fails here as it would fail in production.
"""

from __future__ import annotations

import uuid
from typing import Any

from adapters.keyed import Outcome
from onecard.conformance.probe import Answer, Probe

OPS, VOID = "/ops/{key}", "/ops/{key}/void"
IDEMPOTENT = ("同一幂等键（路径中的 key）重复提交时，须原样返回首次的结果，且不得再次记账")


def outcome(answer: Answer) -> Outcome | None:
    """The outcome in `answer`, or None when it is not one onecard can read."""
    if answer.status != 200 or not isinstance(answer.body, dict):
        return None
    try:
        return Outcome.from_json(answer.body)
    except (ValueError, TypeError):
        return None


def _shown(o: Outcome | None) -> str:
    if o is None:
        return "（无法识别的结果）"
    parts = [o.status] + ([f"reason={o.reason}"] if o.reason else [])
    parts += [f"balance_after_fen={o.balance_after_fen}"] if o.balance_after_fen is not None else []
    return " ".join(parts)


class KeyedSteps:
    """One run's keys (fresh, so a run never meets a previous run's outcomes) and their checks."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe
        self.run_id = uuid.uuid4().hex[:12]

    def order_no(self, label: str) -> str:
        """An order number of this run: letters and digits, as the contracts' keys need."""
        return f"CONF{self.run_id}{label}".upper()

    def key(self, label: str, step: str) -> str:
        """`<order_no>:<step>`, the form of every key onecard sends."""
        return f"{self.order_no(label)}:{step}"

    def step(self, title: str, key: str, body: dict[str, Any], expect: str, reason: str | None = None,
             fix: str = "") -> tuple[Answer, Outcome | None]:
        """`POST /ops/{key}` once: its outcome must be `expect` (with `reason`, when given)."""
        answer = self.probe.call("POST", OPS, {"key": key}, body=body)
        got = outcome(answer)
        more = [] if answer.status != 200 or got is not None else [
            f"应答须为结果对象 {{\"status\": applied|refused|voided|reversed|not_found, ...}}：{answer.evidence()}"]
        if got is not None and (got.status != expect or (reason is not None and got.reason != reason)):
            wanted = expect + (f" reason={reason}" if reason else "")
            more.append(f"键 {key} 的结果应为 {wanted}，实为 {_shown(got)}")
        self.probe.check(title, answer, 200, fix or f"该请求的结果应为 {expect}", more)
        return answer, got

    def repeat(self, title: str, key: str, body: dict[str, Any], first: Outcome | None) -> Outcome | None:
        """The same request again: the same outcome back."""
        answer = self.probe.call("POST", OPS, {"key": key}, body=body)
        again = outcome(answer)
        more = [] if _same(first, again) else [f"键 {key} 首次结果 {_shown(first)}，重复提交得到 {_shown(again)}"]
        self.probe.check(title, answer, 200, IDEMPOTENT, more)
        return again

    def asks(self, title: str, key: str, first: Outcome | None, expect: str | None = None) -> None:
        """`GET /ops/{key}` answers the first outcome (or `expect`, once something changed it)."""
        answer = self.probe.call("GET", OPS, {"key": key})
        got = outcome(answer)
        if expect is None:
            more = [] if _same(first, got, ignore_balance=True) else [
                f"键 {key} 的首次结果为 {_shown(first)}，查询得到 {_shown(got)}"]
        else:
            more = [] if got is not None and got.status == expect else [
                f"键 {key} 的查询结果应为 {expect}，实为 {_shown(got)}"]
        self.probe.check(title, answer, 200, "GET /ops/{key} 须答复该键的结果（onecard 在超时后靠它确认钱是否已动）",
                         more)

    def unknown_key(self, step: str) -> None:
        key = self.key("NEVER", step)
        answer = self.probe.call("GET", OPS, {"key": key})
        got = outcome(answer)
        more = [] if got is not None and got.status == "not_found" else [
            f"从未提交过的键 {key} 应答 {{\"status\": \"not_found\"}}，实为 {_shown(got)}"]
        self.probe.check("查询未知的幂等键", answer, 200,
                         "从未收到过的键须答复 HTTP 200 {\"status\": \"not_found\"}，而不是 404 或错误", more)

    def void(self, title: str, key: str, order_no: str, expect: str, first: Outcome | None = None) -> Outcome | None:
        """`POST /ops/{key}/void`: `voided` for a key never used; the first outcome for a used one."""
        answer = self.probe.call("POST", VOID, {"key": key}, body={"order_no": order_no})
        got = outcome(answer)
        if first is not None:
            more = [] if _same(first, got, ignore_balance=True) else [
                f"已有结果的键 {key}（{_shown(first)}）作废后应答其首次结果，实为 {_shown(got)}"]
        else:
            more = [] if got is not None and got.status == expect else [
                f"键 {key} 作废后的结果应为 {expect}，实为 {_shown(got)}"]
        self.probe.check(title, answer, 200, "作废（void）须保证该键此后永不生效；已生效的键答复其首次结果", more)
        return got


def _same(first: Outcome | None, again: Outcome | None, *, ignore_balance: bool = False) -> bool:
    if first is None or again is None:
        return False
    if ignore_balance:
        return (first.status, first.reason) == (again.status, again.reason)
    return first == again
