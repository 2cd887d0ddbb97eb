"""The WeChat simulator's quota book: what each user's interactions allow the account to send.

WeChat's table for a service account (../shared/WECHAT.md): a message gives 5 customer-service
messages within 48 h; a click, a follow or a QR scan 3 within a minute; a WeChat Pay payment
unlimited within 48 h. Each interaction is a grant of its own; a send takes one unit from the live
grant with units left that expires first. Pure bookkeeping under one lock, on a clock a test may set.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

#: scenario -> (messages allowed or None for unlimited, seconds the grant lasts).
QUOTAS: dict[str, tuple[int | None, int]] = {
    "message": (5, 48 * 3600),
    "click": (3, 60),
    "follow": (3, 60),
    "scan": (3, 60),
    "payment": (None, 48 * 3600),
}
#: Events the user makes by tapping a menu button (a `view` button only opens a page: nothing).
CLICK_EVENTS = frozenset({"click", "scancode_push", "scancode_waitmsg"})
#: An expired grant is forgotten this long after it expired (it no longer shows in /_sim/grants).
KEEP_EXPIRED_SECONDS = 48 * 3600


def scenario_of(callback: dict[str, str]) -> str | None:
    """Which row of WeChat's table a callback (its XML fields) falls under; None: no grant."""
    kind = callback.get("MsgType", "")
    if kind != "event":
        # Every other MsgType is something the user sent: text, image, voice, video, shortvideo,
        # location, link, file, and kinds WeChat adds later.
        return "message" if kind else None
    event = callback.get("Event", "").lower()
    if event in CLICK_EVENTS:
        return "click"
    if event == "subscribe":
        return "scan" if callback.get("EventKey", "").startswith("qrscene_") else "follow"
    return "scan" if event == "scan" else None


def callback_key(callback: dict[str, str]) -> str:
    """What makes a callback one interaction: WeChat's resends of it give no second grant."""
    user = callback.get("FromUserName", "")
    if callback.get("MsgId"):
        return f"{user}|msg|{callback['MsgId']}"
    return "|".join((user, callback.get("CreateTime", ""), callback.get("Event", ""), callback.get("EventKey", "")))


@dataclass
class Grant:
    scenario: str
    granted_at: float
    expires_at: float
    allowed: int | None
    used: int = 0
    key: str = ""

    def live(self, now: float) -> bool:
        return self.granted_at <= now < self.expires_at

    def has_room(self) -> bool:
        return self.allowed is None or self.used < self.allowed


class GrantBook:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.grants: dict[str, list[Grant]] = {}
        #: Users who unfollowed (and have not followed again): templates answer them 43004.
        self.unfollowed: set[str] = set()

    def grant(self, openid: str, scenario: str, at: float | None = None, key: str = "") -> None:
        """The user did what `scenario` names at `at` (default now); a known `key` grants nothing twice."""
        allowed, seconds = QUOTAS[scenario]
        at = self.clock() if at is None else at
        with self.lock:
            mine = self._kept(openid)
            if key and any(g.key == key for g in mine):
                return
            self.grants[openid] = [*mine, Grant(scenario, at, at + seconds, allowed, key=key)]
            if scenario in ("follow", "scan"):
                self.unfollowed.discard(openid)

    def unsubscribed(self, openid: str) -> None:
        """The user unfollowed: every grant is gone, and templates no longer reach them."""
        with self.lock:
            self.grants.pop(openid, None)
            self.unfollowed.add(openid)

    def follows(self, openid: str) -> bool:
        with self.lock:
            return openid not in self.unfollowed

    def consume(self, openid: str) -> int:
        """0 after taking a unit for one customer-service message; else WeChat's errcode (45015, 45047)."""
        now = self.clock()
        with self.lock:
            live = sorted((g for g in self._kept(openid) if g.live(now)), key=lambda g: g.expires_at)
            if not live:
                return 45015
            for grant in live:
                if grant.has_room():
                    grant.used += 1
                    return 0
            return 45047

    def age(self, openid: str, seconds: float) -> int:
        """Move the user's grants `seconds` into the past (a test plays time gone by); how many moved."""
        with self.lock:
            mine = self.grants.get(openid, [])
            for grant in mine:
                grant.granted_at -= seconds
                grant.expires_at -= seconds
            return len(mine)

    def of(self, openid: str) -> list[dict[str, Any]]:
        """The user's grants as /_sim/grants shows them, oldest first."""
        with self.lock:
            return [{k: v for k, v in asdict(g).items() if k != "key"} for g in self._kept(openid)]

    def _kept(self, openid: str) -> list[Grant]:
        """The user's grants, less those expired long ago (called under the lock)."""
        if openid not in self.grants:
            return []
        horizon = self.clock() - KEEP_EXPIRED_SECONDS
        mine = self.grants[openid] = [g for g in self.grants[openid] if g.expires_at > horizon]
        return mine
