"""The card system's webhook, checked on a test delivery: the runner listens, asks the card system
for one test event (`POST /webhooks/test {"url": …}`), and checks the event's signature with the
secret the school shares with onecard, exactly as onecard's `/cardsystem/events` checks it
(`events.card_events.check_signature`).

The listener binds `--listen HOST:PORT` (default: a free port on 127.0.0.1); a bridge that cannot
reach that address is told `--public-url` instead (a tunnel, or the runner's address as the bridge
sees it).
"""

from __future__ import annotations

import json
import queue
import socket
import time
from dataclasses import dataclass
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from events.card_events import check_signature
from events.errors import BadCallback
from onecard.conformance.options import Options
from onecard.conformance.probe import Probe
from onecard.serve import ServerThread

PATH = "/conformance/card-events"
#: What the signature check's refusals mean for the bridge's author.
SIGNATURE_FIXES = {
    "bad signature": "X-Card-Signature 须为用共享密钥对“X-Card-Timestamp + \".\" + 请求体原文”计算的 "
                     "HMAC-SHA256（十六进制）",
    "stale signature": "X-Card-Timestamp 须为发送时的 Unix 秒数，与 onecard 时钟相差不超过 300 秒（请校准时钟）",
    "missing X-Card-Timestamp or X-Card-Signature": "每次推送须带 X-Card-Timestamp 与 X-Card-Signature 请求头",
}


@dataclass(frozen=True, slots=True)
class Delivery:
    headers: dict[str, str]
    body: bytes


class Listener:
    """A local HTTP endpoint that keeps what is POSTed to it and answers 200, as onecard does."""

    def __init__(self, listen: str) -> None:
        host, _, port = listen.rpartition(":")
        self.deliveries: queue.Queue[Delivery] = queue.Queue()

        async def receive(request: Request) -> Response:
            self.deliveries.put(Delivery(dict(request.headers), await request.body()))
            return JSONResponse({"status": "test"})  # what onecard's /cardsystem/events answers a test event

        self.server = ServerThread(Starlette(routes=[Route(PATH, receive, methods=["POST"])]),
                                   port=int(port) or None, host=host or "127.0.0.1")

    def __enter__(self) -> Listener:
        self.server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()

    def url(self) -> str:
        host = self.server.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.getfqdn()
        return f"http://{host}:{self.server.port}{PATH}"


def check_webhook(probe: Probe, options: Options) -> None:
    report = probe.report
    if not options.webhook_secret:
        report.fail("推送签名（测试推送）",
                    "请用 --webhook-secret 提供与 onecard 共享的推送密钥（ONECARD_CARD_EVENTS_SECRET），"
                    "否则无法检查签名")
        return
    with Listener(options.listen) as listener:
        url = options.public_url or listener.url()
        answer = probe.call("POST", "/webhooks/test", body={"url": url})
        if not probe.check("请求测试推送", answer, 202,
                           "POST /webhooks/test 须答复 HTTP 202，随后向 url 推送一条测试事件"):
            return
        try:
            delivery = listener.deliveries.get(timeout=options.webhook_wait)
        except queue.Empty:
            report.fail("收到测试推送", f"答复 202 后须把测试事件 POST 到 {url}",
                        f"{options.webhook_wait:g} s 内未收到；"
                        "若卡片系统访问不到这个地址，请用 --listen/--public-url 指定")
            return
    _check_delivery(probe, options.webhook_secret, delivery)


def _check_delivery(probe: Probe, secret: str, delivery: Delivery) -> None:
    report = probe.report
    timestamp = delivery.headers.get("x-card-timestamp", "")
    sig = delivery.headers.get("x-card-signature", "")
    try:
        check_signature(secret, timestamp, sig, delivery.body, now=time.time())
    except BadCallback as refused:
        report.fail("测试推送的签名", SIGNATURE_FIXES.get(refused.reason, refused.reason),
                    f"onecard 拒收（HTTP {refused.status}：{refused.reason}）；X-Card-Timestamp={timestamp!r}，"
                    f"X-Card-Signature={sig!r}，请求体 {delivery.body[:200]!r}")
    else:
        report.ok("测试推送的签名")
    report.expect("测试事件的内容", _event_problems(probe, delivery.body),
                  "测试事件须为 JSON {\"event_id\": \"test-…\", \"type\": \"test\", "
                  "\"occurred_at\": 带时区的 ISO 8601 时间}")


def _event_problems(probe: Probe, body: bytes) -> list[str]:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return [f"请求体不是 JSON：{body[:200]!r}"]
    if not isinstance(event, dict):
        return [f"请求体不是 JSON 对象：{body[:200]!r}"]
    problems = []
    if not str(event.get("event_id", "")).startswith("test-"):
        problems.append(f"event_id 应以 test- 开头，实为 {event.get('event_id')!r}")
    if event.get("type") != "test":
        problems.append(f"type 应为 \"test\"，实为 {event.get('type')!r}")
    try:
        if datetime.fromisoformat(str(event.get("occurred_at"))).tzinfo is None:
            problems.append("occurred_at 须带时区（如 +08:00）")
    except ValueError:
        problems.append(f"occurred_at 不是 ISO 8601 时间：{event.get('occurred_at')!r}")
    contract = probe.contract
    if contract is not None and "TestEvent" in contract.document.get("components", {}).get("schemas", {}):
        problems += contract.schema_problems("TestEvent", event)
    return problems
