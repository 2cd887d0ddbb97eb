"""The card system simulator's side of real-time events: each transaction POSTed, signed, to
onecard's `/cardsystem/events`, retried until acknowledged, as a real card system's push does.

Deliveries run on a few threads, so under load they arrive out of order, as they do from a real
card system; the `duplicate_rate` fault sends some twice. Until `connect` names a webhook the
events are kept in memory only (`undelivered`), so a simulator without a platform loses nothing
it could report.
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import random
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from events.card_events import signature

log = logging.getLogger("onecard.sim.card")

#: Delivery threads: enough for a lunch rush of 300 swipes/s at a few milliseconds each.
THREADS = 8
#: Each attempt's limit in seconds; what is not answered by then is sent again.
TIMEOUT = 5.0


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

    def connect(self, url: str, secret: str) -> None:
        """Start delivering to `url` (what a card system's administrator configures once)."""
        with self._lock:
            self.url, self.secret = url, secret
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
        # One kept-alive connection per thread, through http.client: a `requests.Session` post
        # (environment proxies read per call, hooks, cookies, a connection pool) cost the simulator
        # about 2 ms of CPU a swipe at a lunch rush, more than the swipe itself.
        connection = _Connection()
        while True:
            body = self._queue.get()
            pause = 0.05
            while not self._post(connection, body):
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _post(self, connection: _Connection, body: bytes) -> bool:
        url = self.url
        if url is None:
            return False
        ts = str(int(time.time()))
        self.attempts += 1
        try:
            status, text = connection.post(url, body, {
                "Content-Type": "application/json", "X-Card-Timestamp": ts,
                "X-Card-Signature": signature(self.secret, ts, body)})
        except (OSError, http.client.HTTPException) as exc:
            log.info("card event delivery failed, retrying: %s", exc)
            return False
        if status in (400, 401):  # refused for good: retrying the same body cannot help
            log.warning("card event refused by %s: %s %s", url, status, text[:200].decode(errors="replace"))
            return True
        if status != 200:
            return False
        with self._lock:
            self.delivered += 1
        return True


class _Connection:
    """One thread's kept-alive HTTP connection to the webhook, opened again when it breaks."""

    def __init__(self) -> None:
        self._url: str | None = None
        self._path = "/"
        self._http: http.client.HTTPConnection | None = None

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """(status, body) of one POST. A kept-alive connection the server closed while idle fails
        at once: that one is opened again and the post made on it, as a new connection would."""
        for attempt in range(2):
            reused = self._http is not None and url == self._url
            http_conn = self._open(url)
            try:
                http_conn.request("POST", self._path, body=body, headers=headers)
                answer = http_conn.getresponse()
                return answer.status, answer.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if not reused or attempt:
                    raise
        raise AssertionError("unreachable")

    def _open(self, url: str) -> http.client.HTTPConnection:
        if self._http is None or url != self._url:
            self.close()
            parts = urlsplit(url)
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            self._http = kind(parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT)
            self._url, self._path = url, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
