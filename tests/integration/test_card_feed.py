"""`onecard card-feed` against a real RabbitMQ (the one CI runs): messages published to the card
system's topic exchange are stored as the webhook stores them, once, and a bad one is rejected."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from kombu import Connection, Exchange

from ingress.card_feed import CardFeed
from tests.card_events import stored_for, transaction
from tests.harness import Stack
from tests.rabbit import private_vhost

RABBIT = os.environ.get("ONECARD_TEST_RABBIT_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture
def vhost() -> Iterator[str]:
    with private_vhost(RABBIT, f"onecard-feed-{uuid.uuid4().hex[:8]}") as url:
        yield url


def test_published_transactions_are_stored_once_and_a_bad_one_is_rejected(stack: Stack, vhost: str) -> None:
    enqueued: list[tuple[str, int]] = []
    feed = CardFeed(vhost, exchange="cardsystem", routing_key="transaction.#", queue="onecard.card-events",
                    engine=stack.platform.engine, enqueue=enqueued.extend)
    stop = threading.Event()
    consumer = threading.Thread(target=feed.run, args=(stop,), daemon=True)
    consumer.start()
    try:
        assert feed.consuming.wait(10)
        student = f"F{uuid.uuid4().hex[:10]}"
        first, second = transaction(student), transaction(student, amount="-3.00", balance="84.50")
        with Connection(vhost) as conn:
            publish = conn.Producer(exchange=Exchange("cardsystem", type="topic", durable=True)).publish
            for body in (first, second, first, {"student_no": student}):
                publish(json.dumps(body).encode(), routing_key="transaction.canteen", content_type="application/json",
                        delivery_mode=2)
        deadline = time.monotonic() + 10
        while feed.stored + feed.duplicates + feed.rejected < 4:
            assert time.monotonic() < deadline, (feed.stored, feed.duplicates, feed.rejected)
            time.sleep(0.05)
    finally:
        stop.set()
        consumer.join(5)
    assert (feed.stored, feed.duplicates, feed.rejected) == (2, 1, 1)
    rows = stored_for(stack, student)
    assert [row.topic for row in rows] == ["alerts", "alerts"]
    assert enqueued == [("alerts", row.id) for row in rows]
