"""WeChat's side of a fault run: callbacks at a steady rate, each from a new user, each resent (as
WeChat resends) until it is acknowledged; then who got which replies.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from adapters.wechat.callbacks import CallbackSender, text_xml
from tests.harness import APPID, TOKEN, Stack, new_openid

#: One per topic pool: help (general), balance of an unbound user (query), unknown card (bind).
TEXTS = ("帮助", "余额", "绑定 99999999")


@dataclass
class Traffic:
    url: str
    rate: float = 10.0
    #: The WeChat API simulator, told of each message first (the users' grants for the replies).
    wechat_sim: str | None = None
    #: WeChat resends an unanswered callback 3 times about 5 s apart; a little more patience here,
    #: as a restarted ingress on a loaded test machine takes longer to come back than in production.
    retries: int = 5
    retry_pause: float = 3.0
    acked: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _send(self, openid: str, text: str) -> None:
        sender = CallbackSender(self.url, TOKEN, APPID, session=requests.Session(), wechat_sim=self.wechat_sim)
        body = text_xml(openid, text)  # the same MsgId on every resend, as WeChat does
        for _ in range(self.retries + 1):
            try:
                response = sender.post(body, timeout=5.0)
                status = str(response.status_code)
                ok = response.status_code == 200 and response.text == "success"
            except requests.RequestException as exc:
                status, ok = type(exc).__name__, False
            with self._lock:
                self.statuses[status] += 1
            if ok:
                with self._lock:
                    self.acked.append(openid)
                return
            time.sleep(self.retry_pause)
        with self._lock:
            self.refused.append(openid)

    def run(self, duration: float) -> None:
        """Send for `duration` seconds, then wait for the resends to finish."""
        texts = itertools.cycle(TEXTS)
        with ThreadPoolExecutor(max_workers=32) as pool:
            start = time.monotonic()
            for n in itertools.count():
                due = start + n / self.rate
                if due > start + duration:
                    break
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(self._send, new_openid("ochaos"), next(texts))

    def start(self, duration: float) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(duration,), daemon=True, name="traffic")
        thread.start()
        return thread


def reply_counts(stack: Stack, openids: list[str]) -> Counter[str]:
    wanted = set(openids)
    counts: Counter[str] = Counter({o: 0 for o in openids})
    with stack.simulators.wechat.lock:
        for message in stack.simulators.wechat.state.messages:
            if message.touser in wanted:
                counts[message.touser] += 1
    return counts


def wait_for_replies(stack: Stack, openids: list[str], timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while True:
        counts = reply_counts(stack, openids)
        if all(counts.values()) or time.monotonic() > deadline:
            return counts
        time.sleep(0.25)
