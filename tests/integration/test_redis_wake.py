"""On Redis an idle consumer waits for a wake-up instead of polling: an enqueue from another process
reaches it at once, the wake list stays short, a message that arrives without a token (a dead
worker's, put back by maintenance) is still taken within `IDLE_WAIT_S`, and a delay queue's consumer
comes back at the eta of the message it handed out.

Against the configured Redis, or the embedded one when the suite runs on RabbitMQ (which pushes to
its consumers itself)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name

from adapters.broker.enqueue import enqueue_events
from adapters.broker.redis_waking import IDLE_WAIT_S, WAKE_TOKENS_KEPT, WakingRedisBroker
from adapters.broker.setup import make_broker
from events.envelopes import event_message
from events.topics import Topic
from tests.backends import configured_broker_url, private_broker

QUEUE = Topic.QUERY.value


def waking_broker(url: str, namespace: str) -> WakingRedisBroker:
    broker = make_broker(url, namespace=namespace)
    assert isinstance(broker, WakingRedisBroker)
    return broker


@pytest.fixture
def brokers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WakingRedisBroker, WakingRedisBroker]]:
    """Two brokers on one Redis and namespace: a worker's and an ingress's, as two processes have."""
    if (configured_broker_url() or "").startswith("amqp"):
        monkeypatch.delenv("ONECARD_TEST_BROKER_URL")
    with ExitStack() as stack:
        url, namespace, _keep = stack.enter_context(private_broker(tmp_path))
        worker, ingress = waking_broker(url, namespace), waking_broker(url, namespace)
        for broker in (worker, ingress):
            stack.callback(broker.close)
        stack.callback(worker.flush, QUEUE)
        yield worker, ingress


def message(event_id: int) -> dramatiq.Message:
    return event_message(Topic.QUERY, [event_id])


def taken_after(worker: WakingRedisBroker, send: Callable[[], object], *, at: float) -> tuple[list[int], float]:
    """An idle consumer of `worker` (its queue found empty), `send` run `at` seconds later from
    another thread: the ids of the first message the consumer yields, and when it came."""
    consumer = worker.consume(QUEUE, prefetch=4, timeout=100)
    assert next(consumer) is None  # empty: the next call waits on the wake list
    timer = threading.Timer(at, send)
    started = time.monotonic()
    timer.start()
    try:
        while time.monotonic() - started < 3 * IDLE_WAIT_S:
            got = next(consumer)
            if got is not None:
                return list(got.args[0]), time.monotonic() - started
        raise AssertionError("no message within three idle waits")
    finally:
        timer.cancel()
        consumer.close()


def test_an_idle_consumer_takes_a_message_the_moment_another_process_enqueues_it(
        brokers: tuple[WakingRedisBroker, WakingRedisBroker]) -> None:
    worker, ingress = brokers
    ids, after = taken_after(worker, lambda: enqueue_events(ingress, [(QUEUE, 41)]), at=0.3)
    assert ids == [41]
    assert after < 0.3 + IDLE_WAIT_S / 2, f"woken after {after:.2f} s: by its own timeout, not by the enqueue"


def test_the_single_and_the_batch_enqueue_both_wake_and_the_wake_list_stays_short(
        brokers: tuple[WakingRedisBroker, WakingRedisBroker]) -> None:
    worker, ingress = brokers
    for event_id in range(1, 51):
        ingress.enqueue(message(event_id))
    enqueue_events(ingress, [(QUEUE, i) for i in range(51, 101)])

    assert worker.client.llen(worker.wake_key(QUEUE)) == WAKE_TOKENS_KEPT
    consumer = worker.consume(QUEUE, prefetch=200, timeout=100)
    try:
        got = [m for m in (next(consumer) for _ in range(51)) if m is not None]  # fetched at once
    finally:
        consumer.close()
    assert sorted(i for m in got for i in m.args[0]) == list(range(1, 101))  # the batch: one message


def test_a_message_put_back_without_a_token_is_still_taken_within_the_idle_wait(
        brokers: tuple[WakingRedisBroker, WakingRedisBroker]) -> None:
    worker, ingress = brokers
    put_back = message(7).copy(options={"redis_message_id": "put-back-7"})
    no_token = RedisBroker._dispatch(ingress, "enqueue")  # dramatiq's own enqueue, as maintenance puts back
    ids, after = taken_after(worker, lambda: no_token(QUEUE, "put-back-7", put_back.encode()), at=0.2)
    assert ids == [7]
    assert after < IDLE_WAIT_S + 0.5


def test_a_delay_queue_consumer_wakes_for_a_delayed_message_and_again_at_its_eta(
        brokers: tuple[WakingRedisBroker, WakingRedisBroker]) -> None:
    worker, ingress = brokers
    consumer = worker.consume(dq_name(QUEUE), prefetch=4, timeout=100)
    assert next(consumer) is None
    timer = threading.Timer(0.2, lambda: ingress.enqueue(message(9), delay=500))
    started = time.monotonic()
    timer.start()
    try:
        got = next(consumer)  # the token: the worker's consumer thread holds it until its eta
        woken = time.monotonic() - started
        assert next(consumer) is None  # back at the eta, for the consumer thread to move it
        back = time.monotonic() - started
        assert got is not None
        consumer.ack(got)
    finally:
        timer.cancel()
        consumer.close()
    assert got.args == ([9],) and "eta" in got.options
    assert woken < 0.2 + IDLE_WAIT_S / 2
    assert 0.2 + 0.5 - 0.1 < back < 0.2 + 0.5 + IDLE_WAIT_S / 4, f"back after {back:.2f} s, not at the eta"
