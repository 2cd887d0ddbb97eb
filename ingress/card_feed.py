"""`onecard card-feed`: for card systems that publish transactions to a message broker instead of
calling the webhook. Consumes a RabbitMQ topic exchange with kombu and stores each message exactly
as `/cardsystem/events` does (inbox, once by event id, enqueued to `alerts`).

A message is acknowledged only once its row committed (and its enqueue was tried), so a crash
redelivers it and the inbox keeps it once; one that is not a valid event is rejected without
requeue (RabbitMQ dead-letters it where the queue has a policy for that) and logged.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from kombu import Connection, Exchange, Queue
from kombu.message import Message
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from events.card_events import parse_transaction
from events.errors import BadCallback
from events.topics import Topic
from ingress.inbox_writer import EnqueueMany
from store.inbox import store_many

log = logging.getLogger("onecard.card_feed")

PREFETCH = 128


class CardFeed:
    """One consumer of the card system's exchange; `run` until `stop` is set."""

    def __init__(self, url: str, *, exchange: str, routing_key: str, queue: str, engine: Engine,
                 enqueue: EnqueueMany) -> None:
        self.url = url
        self.exchange = Exchange(exchange, type="topic", durable=True)
        self.queue = Queue(queue, self.exchange, routing_key=routing_key, durable=True)
        self.engine = engine
        self.enqueue = enqueue
        self.stored = self.duplicates = self.rejected = 0
        self.consuming = threading.Event()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._consume(stop)
            except (OSError, ConnectionError) as exc:  # the broker went away: connect again
                log.warning("card feed connection lost (%s); reconnecting", exc)
                self.consuming.clear()
                stop.wait(1.0)

    def _consume(self, stop: threading.Event) -> None:
        with Connection(self.url, heartbeat=30) as conn, \
                conn.Consumer(self.queue, on_message=self.handle, prefetch_count=PREFETCH):
            self.consuming.set()
            while not stop.is_set():
                try:
                    conn.drain_events(timeout=1.0)
                except TimeoutError:
                    conn.heartbeat_check()

    def handle(self, message: Message) -> None:
        body: Any = message.body
        raw = body if isinstance(body, bytes) else str(body).encode()
        try:
            tx = parse_transaction(raw)
        except BadCallback as exc:
            log.warning("card feed message refused: %s", exc.reason)
            self.rejected += 1
            message.reject(requeue=False)
            return
        try:
            [event_id] = store_many(self.engine, [(tx, Topic.ALERTS.value)])
        except SQLAlchemyError:
            log.exception("inbox unavailable; the message goes back to the broker")
            message.requeue()
            time.sleep(0.5)
            return
        if event_id is None:
            self.duplicates += 1
        else:
            self.stored += 1
            try:
                self.enqueue([(Topic.ALERTS.value, event_id)])
            except Exception:
                log.exception("enqueue failed; the sweeper will deliver event %s", event_id)
        message.ack()
