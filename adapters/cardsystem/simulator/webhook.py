"""The card system simulator's side of real-time events: each transaction POSTed, signed, to
onecard's `/cardsystem/events`, retried until acknowledged, as a real card system's push does.

Deliveries run on a few threads, so under load they arrive out of order, as they do from a real
card system; the `duplicate_rate` fault sends some twice. Until `connect` names a webhook the
events are kept in memory only (`undelivered`), so a simulator without a platform loses nothing
it could report. `send_test` delivers one signed `test` event to a URL of the caller's choosing (the
contract's `POST /webhooks/test`).
"""

from __future__ import annotations

import json
import logging
import queue
import random
import secrets
import threading
import time
from datetime import datetime
from typing import Any

import requests

from adapters.http import outgoing_session
from events.campus_time import SHANGHAI
from events.card_events import signature

log = logging.getLogger("onecard.sim.card")

#: Delivery threads: enough for a lunch rush of 300 swipes/s at a few milliseconds each.
THREADS = 8
#: Each attempt's limit in seconds; what is not answered by then is sent again.
TIMEOUT = 5.0
#: How long a test delivery (`POST /webhooks/test`) is retried before it is given up.
TEST_PATIENCE = 60.0


class Webhook:
    """Deliver card events to one URL with one secret, at least once each."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.secret = ""
        self.duplicate_rate = 0.0
        self.delivered = 0
        self.attempts = 0
        self._queue: queue.Queue[bytes] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._session: requests.Session | None = None

    def connect(self, url: str, secret: str) -> None:
        """Start delivering to `url` (what a card system's administrator configures once)."""
        with self._lock:
            self.url, self.secret = url, secret
            # The project's one HTTP stack: kept-alive connections, the environment read once (a
            # plain `requests.Session` read it on every post: 2 ms of CPU a swipe at a lunch rush).
            self._session = outgoing_session(url, pool_size=THREADS)
            while len(self._threads) < THREADS:
                thread = threading.Thread(target=self._run, name="card-webhook", daemon=True)
                thread.start()
                self._threads.append(thread)

    def send(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False).encode()
        self._queue.put(body)
        if self.duplicate_rate and random.random() < self.duplicate_rate:
            self._queue.put(body)

    def pending(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            body = self._queue.get()
            pause = 0.05
            while not self._post(body):
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _post(self, body: bytes) -> bool:
        url, session = self.url, self._session
        if url is None or session is None:
            return False
        self.attempts += 1
        if not self._attempt(session, url, body):
            return False
        with self._lock:
            self.delivered += 1
        return True

    def send_test(self, url: str) -> str:
        """One signed `test` event to `url` (`POST /webhooks/test`), on a thread of its own so that a
        slow or wrong URL holds up no transaction; retried as a transaction is, for at most a minute."""
        event_id = f"test-{secrets.token_hex(8)}"
        event = {"event_id": event_id, "type": "test", "occurred_at": datetime.now(SHANGHAI).isoformat()}
        body = json.dumps(event, ensure_ascii=False).encode()
        threading.Thread(target=self._deliver_test, args=(url, body), name="card-webhook-test", daemon=True).start()
        return event_id

    def _deliver_test(self, url: str, body: bytes) -> None:
        session, pause, give_up = outgoing_session(url, pool_size=1), 0.05, time.monotonic() + TEST_PATIENCE
        try:
            while not self._attempt(session, url, body) and time.monotonic() < give_up:
                time.sleep(pause)
                pause = min(pause * 2, 5.0)
        finally:
            session.close()

    def _attempt(self, session: requests.Session, url: str, body: bytes) -> bool:
        """One signed delivery: True when done with (acknowledged, or refused for good), False to retry."""
        ts = str(int(time.time()))
        try:
            answer = session.post(url, data=body, timeout=TIMEOUT, headers={
                "Content-Type": "application/json", "X-Card-Timestamp": ts,
                "X-Card-Signature": signature(self.secret, ts, body)})
        except requests.RequestException as exc:
            log.info("card event delivery failed, retrying: %s", exc)
            return False
        if answer.status_code in (400, 401):  # refused for good: retrying the same body cannot help
            log.warning("card event refused by %s: %s %s", url, answer.status_code, answer.text[:200])
            return True
        return answer.status_code == 200
