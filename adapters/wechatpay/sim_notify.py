"""The simulator's notifier: signed, encrypted notifications POSTed to the merchant's notify_url,
sent again until acknowledged (sooner than WeChat Pay's 15 s … 3 h, so tests finish), and lost or
repeated on demand."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

log = logging.getLogger("onecard.sim.wechatpay")
RETRY_AFTER = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def envelope(event_type: str, summary: str, resource: dict[str, str]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "create_time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": event_type, "summary": summary, "resource": resource}


class Notifier:
    def __init__(self, sign: Callable[[str], dict[str, str]], roll: Callable[[str], bool]) -> None:
        """`sign(body)`: the Wechatpay-* headers; `roll(fault)`: whether to inject that fault now."""
        self.sign, self.roll = sign, roll
        self._queue: list[tuple[float, int, str, str, int]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._http = requests.Session()
        self._http.trust_env = False
        self.sent = self.acknowledged = self.lost = self.repeated = 0
        threading.Thread(target=self._run, name="wechatpay-notifier", daemon=True).start()

    def send(self, url: str, body: str, delay: float = 0.0) -> None:
        if self.roll("lost_notify_rate"):
            self.lost += 1
            return
        self._push(time.monotonic() + delay, url, body, 0)

    def _push(self, due: float, url: str, body: str, attempt: int) -> None:
        with self._wake:
            heapq.heappush(self._queue, (due, next(self._seq), url, body, attempt))
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue or self._queue[0][0] > time.monotonic():
                    self._wake.wait(timeout=self._queue[0][0] - time.monotonic() if self._queue else None)
                _due, _n, url, body, attempt = heapq.heappop(self._queue)
            self._deliver(url, body, attempt)

    def _deliver(self, url: str, body: str, attempt: int) -> None:
        self.sent += 1
        try:
            answer = self._http.post(url, data=body.encode(), timeout=5, headers={
                "Content-Type": "application/json", **self.sign(body)})
            ok = 200 <= answer.status_code < 300
        except requests.RequestException:
            ok = False
        if ok:
            self.acknowledged += 1
            if self.roll("repeat_notify_rate"):  # WeChat Pay sends again although we answered
                self.repeated += 1
                self._push(time.monotonic() + 0.2, url, body, len(RETRY_AFTER))
        elif attempt < len(RETRY_AFTER):
            self._push(time.monotonic() + RETRY_AFTER[attempt], url, body, attempt + 1)
        else:
            log.info("notification to %s given up after %d attempts", url, attempt + 1)

    def idle(self) -> bool:
        with self._wake:
            return not self._queue
