"""Checks 8 and 9: each outside system answers its contract's health check, `GET /health` →
200 `{"status": "ok", "time": "<ISO 8601 with offset>"}` (the simulators answer it as well:
`adapters.sim.faults.FaultInjector.health_route`).

One request per system; what it brought back (`Probe`) also carries the system's clock, which
`onecard.doctor.clocks` compares with ours.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from adapters.contracts import SYSTEMS, load
from events.card_events import SIGNATURE_WINDOW_SECONDS
from onecard.doctor.check import Check, fail, network_reason, ok
from onecard.doctor.clocks import check_clock
from onecard.settings import Settings

NAME = "外部系统"
HEALTHY = "200 {\"status\": \"ok\", \"time\": \"带时区的 ISO 8601 时间\"}"


@dataclass(frozen=True)
class System:
    """An outside system as the settings name it, and its contract (`adapters.contracts.SYSTEMS`) where
    it is one of those a school connects (WeChat Pay's clock is read too, from its `Date`)."""

    name: str
    setting: str
    url: str
    contract: str | None = None

    @property
    def env(self) -> str:
        return f"ONECARD_{self.setting.upper()}"


def systems(settings: Settings) -> list[System]:
    """The outside systems this deployment is configured to use (the SMS platform only over HTTP)."""
    named = [("卡务系统", "card_system_url", "card-system"), ("缴费系统", "fees_url", "fees"),
             ("公共数据平台", "campus_data_url", "campus-data"), ("银行", "bank_url", "bank")]
    if settings.sms_backend == "http":
        named.append(("短信平台", "sms_url", "sms"))
    return [System(name, setting, url, contract) for name, setting, contract in named
            if (url := getattr(settings, setting))]


@dataclass(frozen=True)
class Probe:
    """One system's answer to `GET /health`: its status and body, or the error that stopped it, and
    when we asked (the middle of the request, against which its clock is read)."""

    system: System
    asked_at: datetime
    elapsed: timedelta
    status: int | None = None
    body: Any = None
    #: The answer's `Date` header, where it had one.
    date: datetime | None = None
    error: str | None = None

    @property
    def reported_time(self) -> datetime | None:
        """The system's own time from its answer; None where it gave none with its UTC offset."""
        if not isinstance(self.body, dict) or not isinstance(self.body.get("time"), str):
            return None
        try:
            moment = datetime.fromisoformat(self.body["time"])
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else None


def probe(system: System, *, timeout: float = 5.0, path: str = "health") -> Probe:
    """Ask `system` once; never raises (what went wrong is in the probe)."""
    url = f"{system.url.rstrip('/')}/{path}"
    started, wall = time.monotonic(), datetime.now(UTC)
    try:
        answer = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return Probe(system, wall, timedelta(seconds=time.monotonic() - started), error=network_reason(exc))
    elapsed = timedelta(seconds=time.monotonic() - started)
    try:
        body = answer.json()
    except ValueError:
        body = None
    stamp = answer.headers.get("Date")
    return Probe(system, wall + elapsed / 2, elapsed, answer.status_code, body,
                 parsedate_to_datetime(stamp) if stamp else None)


def check_health(p: Probe) -> Check:
    name, where = f"{NAME}·{p.system.name}", f"{p.system.url.rstrip('/')}/health"
    if p.error is not None:
        return fail(name, f"{where} 连不上：{p.error}", f"检查 {p.system.env} 和该系统是否在运行")
    if p.status != 200:
        return fail(name, f"{where} 回答 HTTP {p.status}，系统不可用",
                    "请该系统的运维或厂商排查；恢复后 GET /health 应回答 " + HEALTHY)
    contract = p.system.contract
    problems = load(contract).response_problems("GET", "/health", 200, p.body) if contract else []
    if problems or not isinstance(p.body, dict) or p.body.get("status") != "ok" or p.reported_time is None:
        where_written = f"（adapters/{SYSTEMS[contract]}/openapi.yaml，可用 onecard conformance {contract} URL 检查）" \
            if contract else ""
        return fail(name, f"{where} 的回答不合接口约定：{'; '.join(problems) or str(p.body)[:80]}",
                    f"请对接方按接口约定{where_written}实现 GET /health，回答 {HEALTHY}")
    return ok(name, f"{where} 正常（{p.elapsed.total_seconds() * 1000:.0f} 毫秒）")


def check_system(system: System, timeout: float) -> list[Check]:
    """Its health, and its clock against the window the card system's signatures are held to (the
    contract holds every outside system to it)."""
    found = probe(system, timeout=timeout)
    health = check_health(found)
    if health.blocker or (theirs := found.reported_time) is None:
        return [health]
    return [health, check_clock(system.name, theirs, found.asked_at, SIGNATURE_WINDOW_SECONDS, "外部系统签名的时间窗")]
