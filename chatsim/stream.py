"""Server-Sent Events: the account's messages and the SMS sink, pushed to the page as they arrive.

Each event carries an `id`, so a browser that reconnects (EventSource does so by itself) sends
`Last-Event-ID` and gets only what it has not seen. A stream ends after a while and the browser
reopens it: no connection outlives a server that wants to stop.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from chatsim.client import ChatClient

STREAM_SECONDS = 60.0
LONG_POLL_SECONDS = 10.0
SMS_POLL_SECONDS = 0.3


def sse(event: str, data: Any, event_id: int) -> str:
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def resume_from(request: Request) -> int:
    """The last id the browser saw: `Last-Event-ID` on a reconnect, else `?after=`."""
    candidates = (request.headers.get("last-event-id", ""), request.query_params.get("after", ""))
    return max((int(c) for c in candidates if c.isdigit()), default=0)


async def messages(client: ChatClient, openid: str, after: int) -> AsyncIterator[str]:
    """What the WeChat API simulator received for `openid`, by long-polling it."""
    yield "retry: 500\n\n"
    deadline = time.monotonic() + STREAM_SECONDS
    while time.monotonic() < deadline:
        try:
            found = await run_in_threadpool(client.received, openid, after, LONG_POLL_SECONDS)
        except Exception as exc:  # the simulator restarting: say so, let the browser reconnect
            yield f"event: trouble\ndata: {json.dumps(type(exc).__name__)}\n\n"
            return
        for message in found:
            after = max(after, int(message["seq"]))
            yield sse("message", message, after)
        if not found:
            yield ": nothing new\n\n"  # also finds out whether the browser is still there


async def sms(client: ChatClient, after: int) -> AsyncIterator[str]:
    """New lines of the SMS sink, numbered in the order they were written."""
    yield "retry: 500\n\n"
    deadline = time.monotonic() + STREAM_SECONDS
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        found = await run_in_threadpool(client.sms, after)
        for line in found:
            after = line["n"]
            yield sse("sms", line, after)
        if found:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > LONG_POLL_SECONDS:
            quiet_since = time.monotonic()
            yield ": nothing new\n\n"
        await asyncio.sleep(SMS_POLL_SECONDS)
