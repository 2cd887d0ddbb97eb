"""One conformance run: the system's contract read (a missing one is reported, not a crash), the
health check every system answers, then the system's own checks — with the money guard first:
money steps need `--with-money` and a test holder, and on the card system a `--card` that the card
system itself says is the holder's, or nothing runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import yaml

from adapters.contracts import SYSTEMS, Contract, load, path_of
from onecard.conformance.bank import check_bank
from onecard.conformance.campus_data import check_campus_data
from onecard.conformance.card_system import card_owner, check_card_system
from onecard.conformance.fees import check_fees
from onecard.conformance.options import Options
from onecard.conformance.probe import Probe
from onecard.conformance.report import Report
from onecard.conformance.sms import check_sms

CHECKS: dict[str, Callable[[Probe, Options], None]] = {
    "card-system": check_card_system, "fees": check_fees, "campus-data": check_campus_data, "bank": check_bank,
    "sms": check_sms,
}
assert set(CHECKS) == set(SYSTEMS)


class Refused(Exception):
    """The run would not start: what it was asked is unsafe or incomplete (the message says why, in Chinese)."""


def guard(options: Options) -> None:
    """Refuse a money run that does not name its test holder (and, for the card system, its card)."""
    if not options.with_money:
        return
    if not options.holder:
        raise Refused("--with-money 须同时用 --holder 指明学校提供的测试持卡人")
    if options.system == "card-system" and not options.card:
        raise Refused("--with-money 须同时用 --card 指明测试持卡人的卡号：记账只在这张卡上进行")
    if options.amount_fen <= 0:
        raise Refused("--amount-fen 须为正整数（分）")


def contract(system: str, report: Report) -> Contract | None:
    try:
        found = load(system)
    except (OSError, yaml.YAMLError, KeyError) as exc:
        report.fail("接口契约", f"找不到或读不了 {path_of(system)}：无法检查应答格式与时限（请更新 onecard）",
                    f"{type(exc).__name__}: {exc}"[:300])
        return None
    version = found.document.get("info", {}).get("version", "")
    report.ok(f"接口契约 {path_of(system).parent.name}/openapi.yaml {version}")
    return found


def run(options: Options) -> Report:
    """Every check of `options.system` against `options.url`; Refused before any call when unsafe."""
    guard(options)
    report = Report(options.system, options.url)
    probe = Probe(options.url, contract(options.system, report), report)
    try:
        if options.with_money and options.system == "card-system" and options.card:
            owner = card_owner(probe, options.card)
            if owner != options.holder:
                said = f"卡片系统答复其持卡人为 {owner}" if owner else "卡片系统查不到这张卡"
                raise Refused(f"卡号 {options.card} 不属于测试持卡人 {options.holder}（{said}），"
                              "未运行任何记账步骤")
        health(probe)
        CHECKS[options.system](probe, options)
    finally:
        probe.close()
    return report


def health(probe: Probe) -> None:
    answer = probe.call("GET", "/health")
    body = answer.body if isinstance(answer.body, dict) else {}
    more = [] if body.get("status") == "ok" else [f"status 应为 \"ok\"，实为 {body.get('status')!r}"]
    try:
        if datetime.fromisoformat(str(body.get("time"))).tzinfo is None:
            more.append("time 须带时区")
    except ValueError:
        more.append(f"time 应为 ISO 8601 时间，实为 {body.get('time')!r}")
    probe.check("健康检查", answer, 200,
                "GET /health 须答复 {\"status\": \"ok\", \"time\": 系统当前时间（带时区）}", more)
