"""The card simulator's webhook against a small local server: every event is posted until it is
acknowledged, over kept-alive connections that it opens again when the server drops them, and the
duplicate fault sends each twice; a swipe and a test delivery are the bodies the contract writes down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.cardsystem.simulator.webhook import Webhook
from adapters.contracts import load
from events.card_events import signature
from onecard.serve import ServerThread


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[bytes] = []
        self.refuse_first = 0  # answer 503 to this many posts
        self.close_every = 0  # drop the kept-alive connection after every n-th answer
        self.connections = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cardsystem/events"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Receiver

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ts = self.headers["X-Card-Timestamp"]
        assert self.headers["X-Card-Signature"] == signature("s3cret", ts, body)
        with self.server.lock:
            refuse = self.server.refuse_first > 0
            self.server.refuse_first -= 1
            if not refuse:
                self.server.bodies.append(body)
            close = bool(self.server.close_every) and len(self.server.bodies) % self.server.close_every == 0
        self.send_response(503 if refuse else 200)
        self.send_header("Content-Length", "2")
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"{}")
        self.close_connection = close

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_every_event_is_posted_until_acknowledged_over_kept_alive_connections(receiver: Receiver) -> None:
    receiver.refuse_first, receiver.close_every = 3, 7
    hook = Webhook()
    hook.connect(receiver.url, "s3cret")
    for n in range(40):
        hook.send({"event_id": f"e{n}"})
    _wait(lambda: hook.delivered == 40)
    assert sorted(receiver.bodies) == sorted({f'{{"event_id": "e{n}"}}'.encode() for n in range(40)})
    assert hook.attempts == 43
    assert receiver.connections < 20  # kept alive: not one connection per post


def test_the_duplicate_fault_sends_each_event_twice(receiver: Receiver) -> None:
    hook = Webhook()
    hook.duplicate_rate = 1.0
    hook.connect(receiver.url, "s3cret")
    hook.send({"event_id": "once"})
    _wait(lambda: hook.delivered == 2)
    assert receiver.bodies == [b'{"event_id": "once"}'] * 2


def test_the_events_the_simulator_sends_are_the_contracts_webhook_bodies(receiver: Receiver) -> None:
    """A swipe and a test delivery (`POST /webhooks/test`), as the card system's contract writes them
    down: signed with the webhook's secret (the receiver checks), bodies its schema accepts."""
    contract = load("card-system")
    sim = CardSystemSimulator()
    sim.webhook.connect(receiver.url, "s3cret")
    server = ServerThread(sim.app()).start()
    try:
        sim.swipe_now("20240001", -1250, "一食堂", "本部-一食堂-03")
        _wait(lambda: len(receiver.bodies) == 1)
        answer = requests.post(f"{server.url}/webhooks/test", json={"url": receiver.url}, timeout=10)
        assert answer.status_code == 202
        assert not contract.response_problems("POST", "/webhooks/test", 202, answer.json())
        _wait(lambda: len(receiver.bodies) == 2)
        refused = requests.post(f"{server.url}/webhooks/test", json={"to": receiver.url}, timeout=10)
        assert refused.status_code == 400
        assert not contract.response_problems("POST", "/webhooks/test", 400, refused.json())
    finally:
        server.stop()
    swipe, test = (json.loads(body) for body in receiver.bodies)
    assert not contract.webhook_problems("transaction", swipe), swipe
    assert not contract.webhook_problems("transaction", test), test
    assert (test["type"], test["event_id"]) == ("test", answer.json()["event_id"])
    assert test["event_id"].startswith("test-") and sim.webhook.delivered == 1  # a test is no transaction
