"""The load generator: plays WeChat against a callback URL from its own process.

Run as `python -m bench.loadgen < spec.json`; prints one JSON result. A separate process so that
the client's CPU is not counted against (or stolen by) the server under test. Closed loop
(`concurrency` callers back to back) or open loop (`rate` callbacks a second, whatever the answers
take: the way WeChat pushes). Every request carries a fresh signature, timestamp and MsgId.

It speaks HTTP/1.1 itself, on asyncio protocols over kept-alive connections: on a 2-core machine
the client shares the cores with the server it measures, and a general-purpose client (aiohttp
took about 0.5 ms of CPU a request) would spend as much CPU as the ingress does.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

WECHAT_TIMEOUT = 5.0


def signed_query(token: str) -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={timestamp}&nonce={nonce}"


def text_body(openid: str, content: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_onecard]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


@dataclass
class Spec:
    url: str
    token: str
    duration: float
    content: str = "帮助"
    concurrency: int = 0  # closed loop when > 0
    rate: float = 0.0  # open loop when > 0
    #: openids used in turn; empty: a new openid per callback ("<prefix><n>").
    openids: list[str] = field(default_factory=list)
    openid_prefix: str = "obench"
    #: What each callback says, in turn beside `openids` (a mix of topics); empty: `content` always.
    contents: list[str] = field(default_factory=list)
    timeout: float = 10.0
    #: Resend a callback that was not answered 200 (as WeChat does, up to 3 times).
    retries: int = 0
    #: Write one line per callback (openid, msg_id, sent, acked, status) to this file.
    record: str = ""
    max_in_flight: int = 2000
    #: Stop after this many callbacks (closed loop), 0: run for `duration`.
    max_requests: int = 0
    #: The WeChat API simulator (`…/wechat-api`): told ahead, in bulk, which users are about to write,
    #: so it grants the customer-service messages their answers need, as WeChat would.
    wechat_sim: str = ""


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    records: list[tuple[str, int, float, float | None, str]] = field(default_factory=list)


class HttpError(Exception):
    """The connection broke or the answer was not HTTP."""


class Connection(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection carrying one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio's classes: a cast, not an isinstance check.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._complete(eof=False)

    def eof_received(self) -> bool | None:
        self._complete(eof=True)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._complete(eof=True)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(HttpError("connection lost"))

    def request(self, raw: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return self.waiter

    def _complete(self, *, eof: bool) -> None:
        """Hand over the answer once its head and its whole body are in."""
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        parts = head[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            waiter.set_exception(HttpError(f"not an HTTP answer: {head[0][:60]!r}"))
            return
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        self.keep_alive = parts[0] == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        body_start = end + 4
        length = headers.get("content-length")
        if length is not None:
            if len(self.buffer) - body_start < int(length):
                return
            body_end = body_start + int(length)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            if not self.buffer.endswith(b"0\r\n\r\n"):
                return
            body_end = len(self.buffer)
        elif not eof:
            return  # the body runs to the end of the connection
        else:
            body_end = len(self.buffer)
        body = bytes(self.buffer[body_start:body_end])
        del self.buffer[:body_end]
        waiter.set_result((int(parts[1]), body))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.closed = True


class Client:
    """A pool of connections to one host: an idle one is reused, else a new one is opened."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path or "/"
        self.token = token
        self.idle: list[Connection] = []

    async def post(self, body: bytes, timeout: float) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        conn = self.idle.pop() if self.idle else None
        if conn is None or conn.closed:
            _transport, conn = await loop.create_connection(Connection, self.host, self.port)
        raw = (f"POST {self.path}?{signed_query(self.token)} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
               f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        waiter = conn.request(raw)
        timer = loop.call_later(timeout, _expire, waiter)
        try:
            answer = await waiter
        except BaseException:
            conn.close()
            raise
        finally:
            timer.cancel()
        if conn.keep_alive and not conn.closed:
            self.idle.append(conn)
        else:
            conn.close()
        return answer

    def close(self) -> None:
        for conn in self.idle:
            conn.close()


def _expire(waiter: asyncio.Future[tuple[int, bytes]]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def one(client: Client, spec: Spec, result: Result, who: tuple[str, str], msg_id: int) -> None:
    openid, content = who
    body = text_body(openid, content, msg_id)
    sent = time.time()
    started = time.perf_counter()
    status = "?"
    for _attempt in range(spec.retries + 1):
        try:
            code, text = await client.post(body, spec.timeout)
            status = str(code) if code != 200 or text in (b"success", b"") else "200-reply"
            if code == 200:
                break
        except TimeoutError:
            status = "timeout"
        except (OSError, HttpError) as exc:
            status = type(exc).__name__
            await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    result.statuses[status] = result.statuses.get(status, 0) + 1
    ok = status.startswith("200")
    if ok:
        result.latencies.append(elapsed)
    result.records.append((openid, msg_id, sent, sent + elapsed if ok else None, status))


#: How many callers the WeChat simulator is told of at once, ahead of their callbacks.
ANNOUNCE_AHEAD = 2000


def _wrote(wechat_sim: str, openids: list[str]) -> None:
    body = json.dumps({"openids": openids}).encode()
    request = urllib.request.Request(f"{wechat_sim.rstrip('/')}/_sim/wrote", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


async def run(spec: Spec) -> dict[str, Any]:
    result = Result()
    msg_ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))
    counter = itertools.count()

    def caller_at(n: int) -> str:
        return spec.openids[n % len(spec.openids)] if spec.openids else f"{spec.openid_prefix}{n}"

    announced = 0
    announcing = asyncio.Lock()

    async def announce(n: int) -> None:
        """Tell the WeChat simulator of the next callers before the first of them writes."""
        nonlocal announced
        async with announcing:
            if spec.wechat_sim and n >= announced:
                upto = n + ANNOUNCE_AHEAD
                await asyncio.to_thread(_wrote, spec.wechat_sim, [caller_at(i) for i in range(announced, upto)])
                announced = upto

    def next_caller() -> tuple[str, str, int]:
        n = next(counter)
        return caller_at(n), spec.contents[n % len(spec.contents)] if spec.contents else spec.content, n

    client = Client(spec.url, spec.token)
    start = time.perf_counter()
    end = start + spec.duration
    if spec.concurrency > 0:
        budget = itertools.count()

        async def caller() -> None:
            while time.perf_counter() < end and (not spec.max_requests or next(budget) < spec.max_requests):
                openid, content, n = next_caller()
                await announce(n)
                await one(client, spec, result, (openid, content), next(msg_ids))

        await asyncio.gather(*(caller() for _ in range(spec.concurrency)))
    else:
        tasks: set[asyncio.Task[None]] = set()
        n = 0
        while (now := time.perf_counter()) < end:
            due = start + n / spec.rate
            if due > now:
                await asyncio.sleep(due - now)
            if len(tasks) < spec.max_in_flight:
                openid, content, n = next_caller()
                await announce(n)
                task = asyncio.create_task(one(client, spec, result, (openid, content), next(msg_ids)))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            else:
                result.statuses["dropped"] = result.statuses.get("dropped", 0) + 1
            n += 1
        if tasks:
            await asyncio.wait(tasks, timeout=spec.timeout * (spec.retries + 1) + 1)
    elapsed = time.perf_counter() - start
    client.close()
    if spec.record:
        with open(spec.record, "w") as out:
            for row in result.records:
                out.write(json.dumps(row) + "\n")
    return summary(result, elapsed)


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def summary(result: Result, elapsed: float) -> dict[str, Any]:
    lat = sorted(result.latencies)
    total = len(result.records)
    return {
        "sent": total,
        "acked": len(lat),
        "elapsed_s": round(elapsed, 3),
        "acks_per_s": round(len(lat) / elapsed, 1) if elapsed else 0,
        "statuses": result.statuses,
        "latency_ms": {f"p{q}": round(v * 1000, 2) if (v := percentile(lat, q)) is not None else None
                       for q in (50, 95, 99)} | {"max": round(lat[-1] * 1000, 2) if lat else None},
        "acked_within_5s": round(sum(1 for v in lat if v <= WECHAT_TIMEOUT) / total, 4) if total else None,
    }


def main() -> int:
    spec = Spec(**json.load(sys.stdin))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
