"""A rush of swipes while a process is killed (kill -9) and restarted: the web process, the alerts
pool or the reply pool. The card simulator retries until acknowledged, the broker and the sweeper
redeliver, and every holder with alerts on gets exactly one alert (the reply pool may repeat at most
the wave of sends it was in the middle of, its documented window)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from adapters.cardsystem.demo import DemoHolder
from store.tables import AlertSetting, Binding, OutboundMessage, utcnow
from tests.harness import Stack, running_stack
from tests.processes import start_scheduler, start_web, wait_until

HOLDERS, RATE = 150, 60.0
ENV = {"dramatiq_worker_timeout": "100"}


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as stack:
        yield stack


def _seed(stack: Stack) -> None:
    now = utcnow()
    for n in range(HOLDERS):
        stack.simulators.card.add_holder(DemoHolder(f"K{n:05d}", f"同学{n}", "13900000000", f"67{n:08d}", 50_000))
    with stack.platform.uow() as uow:
        uow.session.execute(insert(Binding), [{"openid": f"okill{n}", "student_no": f"K{n:05d}", "name": "同学",
                                               "phone": "13900000000", "bound_at": now} for n in range(HOLDERS)])
        uow.session.execute(insert(AlertSetting), [
            {"openid": f"okill{n}", "spend_on": True, "spend_min_fen": 0, "low_armed": True, "topup_state": "off",
             "topup_armed": True, "daily_summary": False, "updated_at": now} for n in range(HOLDERS)])
        uow.commit()


@pytest.mark.parametrize("fault", ["web", "alerts", "reply"])
def test_a_killed_process_loses_no_alert_and_doubles_none(fresh: Stack, fault: str) -> None:
    stack = fresh
    _seed(stack)
    web = start_web(stack, name="rush-web")
    pools = {q: stack.start_workers(q, threads=4, name=f"rush-{q}", extra_env=ENV) for q in ("alerts", "reply")}
    scheduler = start_scheduler(stack)
    stack.simulators.card.webhook.connect(f"{web.url}/cardsystem/events",
                                          stack.settings.card_events_secret.get_secret_value())

    def swipe_all() -> None:
        for n in range(HOLDERS):
            stack.simulators.card.swipe_now(f"K{n:05d}", -500, "一食堂")
            time.sleep(1 / RATE)

    swiping = threading.Thread(target=swipe_all)
    try:
        swiping.start()
        # The fault lands mid-rush: once the first alerts are out, the pools are busy with the rest.
        assert wait_until(lambda: len(_alerted(stack)) >= 10, timeout=30), "no alerts before the fault"
        sending = _sending(stack)
        if fault == "web":
            port = int(web.url.rsplit(":", 1)[1])
            web.stop(signal.SIGKILL)
            time.sleep(1.0)
            web = start_web(stack, port=port, name="rush-web")
        else:
            pools[fault].stop(signal.SIGKILL)
            stack.pools.remove(pools[fault])
            time.sleep(1.0)
            pools[fault] = stack.start_workers(fault, threads=4, name=f"rush-{fault}", extra_env=ENV)
        swiping.join()
        assert wait_until(lambda: len(_alerted(stack)) >= HOLDERS, timeout=90, interval=0.5), len(_alerted(stack))
        time.sleep(1.0)  # for a duplicate to show
    finally:
        web.stop()
        scheduler.stop()
        for pool in pools.values():
            pool.stop()
    counts = _alerted(stack)
    doubled = sum(c - 1 for c in counts.values())
    assert set(counts) == {f"okill{n}" for n in range(HOLDERS)}
    assert doubled <= (sending if fault == "reply" else 0), (fault, doubled, sending)


def _alerted(stack: Stack) -> dict[str, int]:
    counts: dict[str, int] = {}
    with stack.simulators.wechat.lock:
        for m in stack.simulators.wechat.state.messages:
            if m.msgtype == "template":
                counts[m.touser] = counts.get(m.touser, 0) + 1
    return counts


def _sending(stack: Stack) -> int:
    with stack.platform.uow() as uow:
        return int(uow.session.execute(select(func.count()).where(OutboundMessage.status == "sending")).scalar_one())
