"""The real HTTP clients against their simulators: answers, refusals and outages map to our errors."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from adapters.cardsystem.client import HttpCardSystem
from adapters.http import DirectSession, outgoing_session
from adapters.sms.client import HttpSms
from events.errors import PermanentError, TransientError
from tests.harness import Stack


def test_the_card_client_finds_holders_and_balances(stack: Stack) -> None:
    card = HttpCardSystem(f"{stack.simulator_url}/card/")
    holder = card.find_holder("20240002")
    assert holder is not None and (holder.name, holder.phone) == ("李四", "13800000002")
    # Other tests move this holder's money in the same simulator: its own ledger is the truth.
    assert card.balance_fen("20240002") == stack.simulators.card.balance("20240002")
    assert card.find_holder("00000000") is None


def test_a_card_system_outage_is_transient(stack: Stack) -> None:
    card = HttpCardSystem(f"{stack.simulator_url}/card/")
    stack.card_faults(outage=True)
    try:
        with pytest.raises(TransientError):
            card.balance_fen("20240001")
    finally:
        stack.card_faults(outage=False)


def test_a_slow_card_system_times_out_as_transient(stack: Stack) -> None:
    card = HttpCardSystem(f"{stack.simulator_url}/card/", timeout=0.2)
    stack.card_faults(latency_ms=1000)
    try:
        with pytest.raises(TransientError, match="timed out"):
            card.find_holder("20240001")
    finally:
        stack.card_faults(latency_ms=0)


def test_the_sms_client_delivers_through_the_platform_to_the_sink(stack: Stack) -> None:
    sms = HttpSms(f"{stack.simulator_url}/sms/")
    before = len(stack.sms_to("13900000009"))
    sms.send("13900000009", "测试短信")
    assert stack.sms_to("13900000009")[before:] == ["测试短信"]


def test_the_sms_platform_refusing_a_number_is_permanent(stack: Stack) -> None:
    with pytest.raises(PermanentError):
        HttpSms(f"{stack.simulator_url}/sms/").send("not-a-phone", "x")


class _Echo(BaseHTTPRequestHandler):
    """Answers with what it was sent: method, path and query, content type and body."""

    protocol_version = "HTTP/1.1"  # kept alive, as the services our clients call

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = json.dumps({"method": self.command, "path": self.path, "type": self.headers.get("Content-Type"),
                             "body": body.decode(), "port": self.client_address[1]}, ensure_ascii=False).encode()
        packed = "gzip" in self.path and "gzip" in self.headers.get("Accept-Encoding", "")
        if packed:
            answer = gzip.compress(answer)
        self.send_response(500 if "fail" in self.path else 200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if packed:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_PUT = do_DELETE = do_POST

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_direct_session_sends_and_answers_what_requests_would(echo: str) -> None:
    direct = outgoing_session(echo)
    assert isinstance(direct, DirectSession)
    calls: list[dict[str, Any]] = [
        {"method": "post", "url": echo + "message/custom/send?x=1", "params": {"access_token": "t 1"},
         "data": json.dumps({"text": "余额"}, ensure_ascii=False).encode()},
        {"method": "post", "url": echo + "orders", "json": {"amount_fen": 1000}},
        {"method": "post", "url": echo + "form", "data": {"a": ["1", "2"]}},
        {"method": "get", "url": echo + "holders", "params": {"q": "张三"}},
    ]
    for call in calls:
        ours, theirs = direct.request(**call, timeout=5), requests.request(**call, timeout=5)
        assert (ours.status_code, ours.reason, ours.headers["Content-Type"]) == \
            (theirs.status_code, theirs.reason, theirs.headers["Content-Type"])
        assert {**ours.json(), "port": 0} == {**theirs.json(), "port": 0}
    failed = direct.post(echo + "fail", timeout=5)
    with pytest.raises(requests.HTTPError, match="500"):
        failed.raise_for_status()


def test_the_direct_session_keeps_its_connection_and_unpacks_compressed_answers(echo: str) -> None:
    direct = outgoing_session(echo)
    answers = [direct.request(method, echo + "gzip/x", json={"n": 1}, timeout=5)
               for method in ("PUT", "DELETE", "POST")]
    assert [a.json()["method"] for a in answers] == ["PUT", "DELETE", "POST"]
    assert answers[0].headers["Content-Encoding"] == "gzip"
    assert len({a.json()["port"] for a in answers}) == 1, "each call opened a connection of its own"


def test_the_direct_session_raises_requests_errors_for_a_service_that_is_not_there() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    with pytest.raises(requests.ConnectionError):
        outgoing_session(f"http://127.0.0.1:{port}/").get(f"http://127.0.0.1:{port}/x", timeout=2)


def test_a_service_behind_a_proxy_keeps_requests_own_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.campus.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = outgoing_session("https://api.weixin.qq.com/cgi-bin/")
    assert not isinstance(session, DirectSession)
    assert session.proxies["https"] == "http://proxy.campus.example:3128"
