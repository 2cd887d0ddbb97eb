"""The load generator: plays WeChat against a callback URL from its own process.

Run as `python -m bench.loadgen < spec.json`; prints one JSON result. A separate process so that
the client's CPU is not counted against (or stolen by) the server under test. Closed loop
(`concurrency` callers back to back) or open loop (`rate` callbacks a second, whatever the answers
take: the way WeChat pushes). Every request carries a fresh signature, timestamp and MsgId.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

WECHAT_TIMEOUT = 5.0


def signed_url(url: str, token: str) -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return f"{url}?signature={signature}&timestamp={timestamp}&nonce={nonce}"


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
    timeout: float = 10.0
    #: Resend a callback that was not answered 200 (as WeChat does, up to 3 times).
    retries: int = 0
    #: Write one line per callback (openid, msg_id, sent, acked, status) to this file.
    record: str = ""
    max_in_flight: int = 2000
    #: Stop after this many callbacks (closed loop), 0: run for `duration`.
    max_requests: int = 0


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    records: list[tuple[str, int, float, float | None, str]] = field(default_factory=list)


async def one(session: aiohttp.ClientSession, spec: Spec, result: Result, openid: str, msg_id: int) -> None:
    body = text_body(openid, spec.content, msg_id)
    sent = time.time()
    started = time.perf_counter()
    status = "?"
    for _attempt in range(spec.retries + 1):
        try:
            async with session.post(signed_url(spec.url, spec.token), data=body,
                                    timeout=aiohttp.ClientTimeout(total=spec.timeout)) as response:
                text = await response.text()
                status = str(response.status) if response.status != 200 or text in ("success", "") else "200-reply"
                if response.status == 200:
                    break
        except TimeoutError:
            status = "timeout"
        except aiohttp.ClientError as exc:
            status = type(exc).__name__
            await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    result.statuses[status] = result.statuses.get(status, 0) + 1
    ok = status.startswith("200")
    if ok:
        result.latencies.append(elapsed)
    result.records.append((openid, msg_id, sent, sent + elapsed if ok else None, status))


async def run(spec: Spec) -> dict[str, Any]:
    result = Result()
    msg_ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))
    counter = itertools.count()

    def next_openid() -> str:
        n = next(counter)
        return spec.openids[n % len(spec.openids)] if spec.openids else f"{spec.openid_prefix}{n}"

    connector = aiohttp.TCPConnector(limit=spec.max_in_flight, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        end = start + spec.duration
        if spec.concurrency > 0:
            budget = itertools.count()

            async def caller() -> None:
                while time.perf_counter() < end and (not spec.max_requests or next(budget) < spec.max_requests):
                    await one(session, spec, result, next_openid(), next(msg_ids))

            await asyncio.gather(*(caller() for _ in range(spec.concurrency)))
        else:
            tasks: set[asyncio.Task[None]] = set()
            n = 0
            while (now := time.perf_counter()) < end:
                due = start + n / spec.rate
                if due > now:
                    await asyncio.sleep(due - now)
                if len(tasks) < spec.max_in_flight:
                    task = asyncio.create_task(one(session, spec, result, next_openid(), next(msg_ids)))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                else:
                    result.statuses["dropped"] = result.statuses.get("dropped", 0) + 1
                n += 1
            if tasks:
                await asyncio.wait(tasks, timeout=spec.timeout * (spec.retries + 1) + 1)
        elapsed = time.perf_counter() - start
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
