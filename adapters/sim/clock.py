"""A simulator's clock: the real time, or the moment it was moved to and on from there (`/_sim/clock`).

Some rules of an outside system depend on the day: WeChat Pay generates a day's trade bill after
10:00 the next day and refuses to hand it out before. A test that reconciles today's trades does
not wait for tomorrow, nor does it loosen the rule: it moves the simulator's clock to tomorrow 10:00,
as time would have, and the simulator then answers as WeChat Pay answers at that moment. What the
clock governs is the simulator's business time (when a payment is booked, which bills exist), not
the timestamps it signs with: those are checked against the platform's clock, which nobody moves.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class SimClock:
    """The simulator's now: the real time shifted by what a test asked for (nothing by default)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def move_to(self, moment: datetime) -> None:
        """From now on the clock reads `moment`, and runs on from there at the real pace."""
        if moment.tzinfo is None:
            raise ValueError("a moment with its UTC offset, e.g. 2026-12-09T10:00:00+08:00")
        with self._lock:
            self._offset = moment - datetime.now(UTC)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)

    async def endpoint(self, request: Request) -> Response:
        """`GET` the simulator's now; `POST {"now": "<ISO 8601 with offset>"}` moves it; `DELETE` back to real time."""
        if request.method == "POST":
            try:
                self.move_to(datetime.fromisoformat(str((await request.json())["now"])))
            except (ValueError, KeyError, TypeError) as exc:
                return JSONResponse({"error": f"not a moment: {exc}"[:200]}, status_code=400)
        elif request.method == "DELETE":
            self.reset()
        return JSONResponse({"now": self.now().isoformat()})
