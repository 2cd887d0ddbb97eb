"""SIGTERM finishes work in hand: a worker completes its in-flight message and hands back the ones it
had only prefetched; the web server answers a callback it is in the middle of receiving.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from sqlalchemy import func, select

from adapters.broker.stats import queue_depth
from adapters.wechat.callbacks import text_xml
from onecard.serve import free_port
from store.tables import InboxEvent
from tests.harness import Stack, calls_arriving, new_openid
from tests.ops.test_delivery_guarantees import assert_still_one_reply
from tests.processes import Process, http_up, onecard, wait_until


def test_a_stopped_worker_finishes_its_message_and_requeues_the_ones_it_had_not_started(
        ops: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    ops.start_workers("reply", "notify", name="ops-shutdown-delivery")
    ops.card_faults(latency_ms=3000)
    card_calls = calls_arriving(ops.simulators.card.faults, monkeypatch)
    stopping = ops.start_workers("bind", threads=1, name="ops-stopping")
    first, second = new_openid(), new_openid()
    ops.say(first, "绑定 20240002")
    ops.say(second, "绑定 20240003")
    assert wait_until(lambda: queue_depth(ops.platform.broker, "bind").ready == 0), "the worker did not take both"
    # The first is in the slow card call, the second waits in the worker (one thread).
    assert wait_until(lambda: card_calls), "the worker did not call the card system"

    started = time.monotonic()
    stopping.stop(signal.SIGTERM)
    assert stopping.proc.returncode == 0
    assert time.monotonic() - started > 1.0  # it waited for the card call instead of dropping it
    ops.card_faults(latency_ms=0)
    assert "验证码已发送" in ops.replies(first, 1, timeout=20)[0]
    assert ops.sent_to(second) == []

    ops.start_workers("bind", name="ops-successor")
    assert "验证码已发送" in ops.replies(second, 1, timeout=30)[0]
    assert_still_one_reply(ops, first)
    assert_still_one_reply(ops, second)


def slow_body(xml: str, on_half: Callable[[], object]) -> Iterator[bytes]:
    data = xml.encode()
    yield data[: len(data) // 2]
    # Give the server time to read the headers: only then is the request in flight for uvicorn
    # (a connection with nothing parsed yet is simply closed on shutdown, and WeChat retries).
    time.sleep(1.0)
    on_half()
    time.sleep(0.5)
    yield data[len(data) // 2:]


def test_a_stopped_web_server_answers_the_callback_it_is_receiving_then_exits(ops: Stack) -> None:
    port = free_port()
    web = onecard(ops, "web", "--port", str(port), "--ops-port", str(free_port()), name="ops-web")
    base = f"http://127.0.0.1:{port}"
    try:
        web.wait_for(http_up(f"{base}/healthz"))
        _post_while_stopping(ops, web, base)
    finally:
        web.stop(signal.SIGKILL)


def _post_while_stopping(ops: Stack, web: Process, base: str) -> None:
    openid = new_openid()
    params = ops.sender().signed_query()

    response = requests.post(f"{base}/wechat", params=params, data=slow_body(text_xml(openid, "帮助"),
                                                                lambda: web.send(signal.SIGTERM)), timeout=20)
    assert (response.status_code, response.text) == (200, "success")
    # uvicorn re-raises the signal once it has shut down cleanly, so "killed by SIGTERM" is a clean exit.
    assert web.proc.wait(timeout=20) in (0, -signal.SIGTERM)
    assert "Traceback" not in web.text()
    with ops.platform.uow() as uow:
        stored = uow.session.execute(select(func.count()).where(InboxEvent.openid == openid)).scalar_one()
    assert stored == 1
