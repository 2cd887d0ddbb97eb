"""What reaches a follower's phone, pushed to the page over one WebSocket per tab.

Three feeds on one socket: the messages the WeChat API simulator received for the follower (by
long-polling it), the sends to the follower WeChat refused (polled beside them) and the new lines
of the SMS sink. One socket, not an EventSource per feed: a
browser opens at most six HTTP connections to a host, and several followers in several tabs
would use them up. The page reconnects with the last ids it saw and misses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
from anyio import to_thread
from starlette.websockets import WebSocket, WebSocketDisconnect

from chatsim.client import ChatClient
from chatsim.refusals import refusal_note

LONG_POLL_SECONDS = 10.0
SMS_POLL_SECONDS = 0.3
REFUSALS_POLL_SECONDS = 0.5
RETRY_SECONDS = 2.0


async def messages(client: ChatClient, openid: str, after: int) -> AsyncIterator[dict[str, Any]]:
    """Every message the account sends `openid` after seq `after`, as it reaches the simulator."""
    while True:
        try:
            found = await to_thread.run_sync(client.received, openid, after, LONG_POLL_SECONDS,
                                             abandon_on_cancel=True)
        except Exception as exc:  # the simulator restarting: say so, keep trying
            yield {"type": "trouble", "what": f"微信 API 模拟器无应答（{type(exc).__name__}）"}
            await asyncio.sleep(RETRY_SECONDS)
            continue
        for message in found:
            after = max(after, int(message["seq"]))
            yield {"type": "message", "message": message}


async def refusals(client: ChatClient, openid: str, after: int) -> AsyncIterator[dict[str, Any]]:
    """Every send to `openid` WeChat refused after seq `after`, with the line the chat shows for it."""
    while True:
        try:
            found = await to_thread.run_sync(client.refusals, openid, after, abandon_on_cancel=True)
        except Exception:  # the simulator restarting: the message feed already says so
            found = []
        for refusal in found:
            after = max(after, int(refusal["seq"]))
            yield {"type": "refusal", "refusal": {**refusal, "note": refusal_note(refusal)}}
        await asyncio.sleep(REFUSALS_POLL_SECONDS)


async def sms(client: ChatClient, after: int) -> AsyncIterator[dict[str, Any]]:
    """New lines of the SMS sink, numbered in the order they were written."""
    while True:
        for line in await to_thread.run_sync(client.sms, after, abandon_on_cancel=True):
            after = line["n"]
            yield {"type": "sms", "sms": line}
        await asyncio.sleep(SMS_POLL_SECONDS)


async def push(websocket: WebSocket, client: ChatClient, openid: str, after: int, sms_after: int,
               refusals_after: int = 0) -> None:
    """Send the three feeds until the page goes away."""

    async def forward(feed: AsyncIterator[dict[str, Any]]) -> None:
        async for item in feed:
            await websocket.send_json(item)

    async def until_closed(scope: anyio.CancelScope) -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
        scope.cancel()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(forward, messages(client, openid, after))
            group.start_soon(forward, refusals(client, openid, refusals_after))
            group.start_soon(forward, sms(client, sms_after))
            group.start_soon(until_closed, group.cancel_scope)
    except* (WebSocketDisconnect, OSError, RuntimeError):
        pass  # the page left while we were sending: nothing to clean up
