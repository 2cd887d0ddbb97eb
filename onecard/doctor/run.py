"""Every check of `onecard doctor` over one platform, side by side, each within a time limit.

The checks wait on outside systems, so they run in threads of their own and the report waits for
each at most `timeout` seconds past its own network time-outs: one system that hangs is one ✘ line,
not a report that never comes (the back-office's 运行监控 runs the same report on a clerk's click).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from adapters.wechat.client import WechatpyApi
from onecard.doctor import broker, callback, clocks, config, database, disk, outside, tls, wechat
from onecard.doctor.check import Check, Report, fail, guarded, warn
from onecard.settings import Settings

if TYPE_CHECKING:
    from onecard.bootstrap import Platform

#: The order lines are read in: what everything else stands on first.
SECTIONS = (config.NAME, database.NAME, broker.NAME, wechat.TOKEN, callback.NAME, wechat.MENU, wechat.TEMPLATES,
            outside.NAME, clocks.NAME, tls.NAME, disk.NAME)


@dataclass(frozen=True)
class Job:
    """A check to run in a thread: its name (for a line when it fails to finish) and what fixes it then."""

    name: str
    run: Callable[[], list[Check]]
    remedy: str


def _section(check: Check) -> int:
    head = check.name.split("·")[0]
    return SECTIONS.index(head) if head in SECTIONS else len(SECTIONS)


def _wechatpay_clock(settings: Settings, timeout: float) -> list[Check]:
    from onecard.bootstrap import wechatpay_skew

    found = outside.probe(outside.System("微信支付", "wechatpay_api_base", settings.wechatpay_api_base),
                          timeout=timeout, path="")
    if found.error is not None:
        return [fail(f"{outside.NAME}·微信支付", f"{settings.wechatpay_api_base} 连不上：{found.error}",
                     "检查 ONECARD_WECHATPAY_API_BASE 和本机能否访问外网")]
    if found.date is None:
        return []
    return [clocks.check_clock("微信支付", found.date, found.asked_at, wechatpay_skew(settings),
                               "微信支付签名的时间窗")]


def _wechat(platform: Platform) -> list[Check]:
    """Credentials first: the menu and the templates are asked with the token they give, so where
    WeChat refuses them those two lines say so instead of failing again for the same reason."""
    s, account = platform.settings, cast(WechatpyApi, platform.wechat)
    lines, answer = wechat.check_token(account)
    window = s.max_clock_skew_seconds
    if answer is not None and answer.date is not None and window:
        asked = datetime.now(UTC)  # the answer just came: its Date is a second-granular stamp of about now
        lines.append(clocks.check_clock("微信", answer.date, asked, window, "ONECARD_MAX_CLOCK_SKEW_SECONDS"))
    if any(c.blocker for c in lines if c.name == wechat.TOKEN):
        return lines + [warn(name, f"未检查：先解决「{wechat.TOKEN}」", "") for name in (wechat.MENU, wechat.TEMPLATES)]
    return [*lines,
            *guarded(wechat.MENU, lambda: wechat.check_menu(account, s.resolved_public_url), "运行 onecard menu sync"),
            *guarded(wechat.TEMPLATES, lambda: wechat.check_templates(platform.uow, platform.wechat,
                                                                      platform.templates.forget),
                     "运行 onecard templates check 查看详情")]


def jobs(platform: Platform, timeout: float) -> list[Job]:
    s = platform.settings
    found: list[Job] = [
        Job(database.NAME, lambda: database.check_database(platform.engine), "检查 ONECARD_DATABASE_URL"),
        Job(broker.NAME, lambda: broker.check_broker(platform.broker), "检查 ONECARD_BROKER_URL"),
        Job(wechat.TOKEN, lambda: _wechat(platform), "检查 ONECARD_WECHAT_API_BASE 和公众号凭据"),
        Job(callback.NAME, lambda: callback.check_callback(s.resolved_public_url, s.wechat_token.get_secret_value(),
                                                           timeout=timeout), "检查 ONECARD_PUBLIC_URL"),
        *(Job(f"{outside.NAME}·{system.name}", functools.partial(outside.check_system, system, timeout),
              f"检查 {system.env}") for system in outside.systems(s)),
        Job(tls.NAME, lambda: tls.check_tls(s.resolved_public_url, production=config.is_production(s),
                                            timeout=timeout), "检查反向代理的证书配置"),
        Job(disk.NAME, lambda: disk.check_disk(s.resolved_data_dir), "检查 ONECARD_DATA_DIR"),
    ]
    if s.wechatpay_enabled:
        found.append(Job(f"{clocks.NAME}·微信支付", lambda: _wechatpay_clock(s, timeout),
                         "检查 ONECARD_WECHATPAY_API_BASE"))
    return found


def run_jobs(found: list[Job], timeout: float) -> list[Check]:
    """Each job in a daemon thread (one that hangs past the deadline is left behind, and said so)."""
    results: list[list[Check] | None] = [None] * len(found)

    def work(i: int, job: Job) -> None:
        results[i] = guarded(job.name, job.run, job.remedy)

    threads = [threading.Thread(target=work, args=(i, job), daemon=True, name=f"doctor:{job.name}")
               for i, job in enumerate(found)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    checks: list[Check] = []
    for job, result in zip(found, results, strict=True):
        checks += result if result is not None else [fail(job.name, f"{timeout:g} 秒内没有结果", job.remedy)]
    return checks


def diagnose(platform: Platform, *, timeout: float = 10.0) -> Report:
    """The whole report: the settings (at once), then every other check side by side.

    `timeout`: each network call's limit; a check that has not finished by twice that is a blocker.
    """
    checks = config.check_settings(platform.settings) + run_jobs(jobs(platform, timeout), 2 * timeout)
    return Report(tuple(sorted(checks, key=_section)), datetime.now(UTC))
