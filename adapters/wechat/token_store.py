"""One access token for every process, kept in the database.

WeChat invalidates the previous token (after five minutes) each time anyone fetches a new one,
and caps fetches at 2,000 a day: so exactly one process refreshes at a time, and only if the
token it saw fail is still the stored one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from events.errors import TransientError
from store.db import rowcount, upsert_insert
from store.tables import WechatToken, utcnow

#: Fetch a new token when the stored one has less than this left.
REFRESH_MARGIN = timedelta(seconds=300)
REFRESH_LEASE = timedelta(seconds=15)
#: How long a process reuses the token it read before reading the database again. Safe because
#: WeChat keeps a replaced token working for five minutes; a call that still fails refreshes.
LOCAL_REUSE_S = 60.0

Fetcher = Callable[[], tuple[str, int]]  # -> (token, expires_in seconds)


class SharedTokenStore:
    def __init__(self, engine: Engine, appid: str, fetch: Fetcher, *, wait_seconds: float = 20.0) -> None:
        self.engine = engine
        self.appid = appid
        self.fetch = fetch
        self.wait_seconds = wait_seconds
        self._local: tuple[str, float] | None = None  # (token, monotonic time to stop reusing it)

    def _ensure_row(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(upsert_insert(self.engine, WechatToken).values(appid=self.appid).on_conflict_do_nothing())

    def _current(self) -> tuple[str | None, bool]:
        with Session(self.engine) as session:
            row = session.execute(select(WechatToken).where(WechatToken.appid == self.appid)).scalar()
        if row is None or row.token is None or row.expires_at is None:
            return None, False
        self._remember(row.token, row.expires_at)
        return row.token, row.expires_at - utcnow() > REFRESH_MARGIN

    def get(self) -> str:
        """A valid token, fetching one only when none is fresh.

        Reused in this process for up to `LOCAL_REUSE_S` (a reply would otherwise cost a database
        read); never past the time the stored one is due for refresh.
        """
        local = self._local
        if local is not None and time.monotonic() < local[1]:
            return local[0]
        token, fresh = self._current()
        if token is None or not fresh:
            token = self.refresh(stale=token)
        return token

    def _remember(self, token: str, expires_at: datetime) -> None:
        left = (expires_at - utcnow() - REFRESH_MARGIN).total_seconds()
        self._local = (token, time.monotonic() + min(LOCAL_REUSE_S, left)) if left > 0 else None

    def refresh(self, stale: str | None) -> str:
        """Replace `stale` with a new token; if someone already replaced it, use theirs."""
        self._local = None
        self._ensure_row()
        deadline = time.monotonic() + self.wait_seconds
        while True:
            token, fresh = self._current()
            if token is not None and token != stale and fresh:
                return token
            if self._take_lease(stale):
                try:
                    new_token, expires_in = self.fetch()
                except BaseException:
                    self._release_lease()
                    raise
                self._save(new_token, expires_in)
                return new_token
            if time.monotonic() > deadline:
                raise TransientError("timed out waiting for another process to refresh the access token")
            time.sleep(0.05)

    def _take_lease(self, stale: str | None) -> bool:
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            token_matches = WechatToken.token.is_(None) if stale is None else WechatToken.token == stale
            result = session.execute(
                update(WechatToken)
                .where(
                    WechatToken.appid == self.appid,
                    or_(token_matches, WechatToken.expires_at < now + REFRESH_MARGIN),
                    or_(WechatToken.refreshing_until.is_(None), WechatToken.refreshing_until < now),
                )
                .values(refreshing_until=now + REFRESH_LEASE)
            )
            return rowcount(result) == 1

    def _release_lease(self) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(WechatToken).where(WechatToken.appid == self.appid).values(refreshing_until=None)
            )

    def _save(self, token: str, expires_in: int) -> None:
        expires_at = utcnow() + timedelta(seconds=expires_in)
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(WechatToken)
                .where(WechatToken.appid == self.appid)
                .values(token=token, expires_at=expires_at, refreshing_until=None)
            )
        self._remember(token, expires_at)
