"""What an operator's load balancer and Prometheus see: liveness, readiness, and counters that move."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dramatiq
import requests

from adapters.broker.enqueue import enqueue_events
from adapters.wechat.callbacks import text_xml
from events.messages import to_message
from ingress.parse import parse_xml
from onecard.bootstrap import build
from onecard.serve import ServerThread, free_port
from onecard.web import create_ops_app, create_web_app
from store.inbox import store_once
from tests.backends import configured_broker_url, configured_database_url
from tests.harness import Stack, new_openid
from tests.processes import onecard_worker, start_web, wait_until


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


def scrape(url: str) -> str:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_the_web_process_is_live_and_ready_when_database_and_broker_answer(ops: Stack) -> None:
    assert requests.get(f"{ops.ingress_url}/healthz", timeout=5).text == "ok"
    ready = requests.get(f"{ops.ops_url}/readyz", timeout=10)
    assert (ready.status_code, ready.json()) == (200, {"database": "ok", "broker": "ok"})


def test_readiness_and_metrics_are_not_served_on_the_public_listener(ops: Stack) -> None:
    for path in ("/readyz", "/metrics"):
        assert requests.get(f"{ops.ingress_url}{path}", timeout=10).status_code == 404
        assert requests.get(f"{ops.ops_url}{path}", timeout=10).status_code == 200
    # and the operations listener serves nothing of the public one
    assert requests.get(f"{ops.ops_url}/admin/login", timeout=10).status_code == 404
    assert requests.get(f"{ops.ops_url}/wechat", timeout=10).status_code == 404


def test_onecard_web_serves_operations_on_its_own_port_only(ops: Stack) -> None:
    web = start_web(ops, name="ops-listener-web")
    try:
        assert requests.get(f"{web.url}/metrics", timeout=10).status_code == 404
        assert requests.get(f"{web.url}/readyz", timeout=10).status_code == 404
        assert requests.get(f"{web.ops_url}/readyz", timeout=10).json() == {"database": "ok", "broker": "ok"}
        assert "onecard_queue_depth" in scrape(f"{web.ops_url}/metrics")
        assert requests.get(f"{web.ops_url}/wechat", timeout=10).status_code == 404
    finally:
        web.stop()


def unreachable_database(tmp: Path) -> str:
    if configured_database_url():
        return "postgresql://postgres@127.0.0.1:1/test"
    return f"sqlite:///{tmp / 'no-such-folder' / 'onecard.db'}"


def unreachable_broker(tmp: Path) -> str:
    configured = configured_broker_url() or ""
    if configured.startswith("amqp"):
        return "amqp://guest:guest@127.0.0.1:1/"
    if configured.startswith("redis"):
        return "redis://127.0.0.1:1/0"
    return f"unix://{tmp / 'no-redis.sock'}"


@contextmanager
def web_with(ops: Stack, **overrides: str) -> Iterator[tuple[str, str]]:
    """The public and the operations listener of a web app built with other settings."""
    settings = ops.settings.model_copy(update=overrides)
    platform = build(settings)
    server, ops_server = ServerThread(create_web_app(platform)).start(), ServerThread(create_ops_app(platform)).start()
    try:
        yield server.url, ops_server.url
    finally:
        server.stop()
        ops_server.stop()
        platform.engine.dispose()


def test_readiness_fails_while_the_broker_is_down_but_the_process_stays_live(ops: Stack, tmp_path: Path) -> None:
    with web_with(ops, broker_url=unreachable_broker(tmp_path)) as (url, ops_url):
        ready = requests.get(f"{ops_url}/readyz", timeout=30)
        assert (ready.status_code, ready.json()) == (503, {"database": "ok", "broker": "down"})
        assert requests.get(f"{url}/healthz", timeout=5).status_code == 200


def test_readiness_fails_while_the_database_is_down(ops: Stack, tmp_path: Path) -> None:
    with web_with(ops, database_url=unreachable_database(tmp_path)) as (_url, ops_url):
        ready = requests.get(f"{ops_url}/readyz", timeout=30)
        assert (ready.status_code, ready.json()) == (503, {"database": "down", "broker": "ok"})


def test_web_metrics_count_callbacks_their_ack_time_queue_depth_and_backlog(ops: Stack) -> None:
    url = f"{ops.ops_url}/metrics"
    before = scrape(url)
    ops.say(new_openid(), "帮助")  # no worker runs: it stays in the queue and the inbox
    # Stored but never enqueued (the sweeper's case), on a topic no worker serves here.
    store_once(ops.platform.engine, to_message(parse_xml(text_xml(new_openid(), "topup"))), "topup")
    enqueue_events(ops.platform.broker, [("topup", 10**9)])

    after = scrape(url)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("onecard_http_requests_total", route="/wechat", status="200") == 1
    assert moved("onecard_callback_ack_seconds_count") == 1
    assert moved("onecard_queue_depth", topic="general", state="ready") == 1
    assert moved("onecard_queue_depth", topic="topup", state="ready") == 1
    assert moved("onecard_inbox_unprocessed", topic="general") == 1
    assert moved("onecard_inbox_unprocessed", topic="topup") == 1
    assert 'onecard_outbound_backlog{channel="wechat",status="pending"}' in after


def test_a_worker_pool_serves_its_counters_summed_over_its_processes(ops: Stack) -> None:
    port = free_port()
    onecard_worker(ops, "general", "reply", "--processes", "2", "--threads", "2", "--metrics-port", str(port),
                   name="ops-metrics-workers")
    url = f"http://127.0.0.1:{port}/metrics"
    assert wait_until(lambda: _answers(url)), "the pool's metrics server did not answer"
    openid = new_openid()
    assert "没看懂" in ops.ask(openid, "今天天气如何", timeout=30)
    ops.platform.broker.enqueue(dramatiq.Message(queue_name="general", actor_name="handle_general_event",
                                                 args=(), kwargs={}, options={"max_retries": 0}))

    def counted() -> bool:
        text = scrape(url)
        return (sample(text, "onecard_messages_processed_total", topic="general") >= 1
                and sample(text, "onecard_messages_failed_total", topic="general") >= 1
                and sample(text, "onecard_replies_total", topic="reply", outcome="sent") >= 1)

    assert wait_until(counted, timeout=30), "the pool's counters did not move"
    assert sample(scrape(url), "onecard_message_seconds_count", topic="general") >= 2


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        time.sleep(0.1)
        return False

