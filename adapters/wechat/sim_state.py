"""What the WeChat API simulator remembers, and the few things every endpoint does with it.

Shared by the endpoints of `simulator.py` (token, customer-service, menu) and `sim_template_api.py`
(templates): one lock, one list of what reached users, one of what WeChat refused, one quota book.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from adapters.wechat.sim_grants import GrantBook
from adapters.wechat.sim_templates import DEMO_TEMPLATES, Template


@dataclass
class SentMessage:
    seq: int
    touser: str
    msgtype: str
    #: What the user reads: the text, or a template message as the phone shows it.
    content: str
    raw: dict[str, Any]
    at: float
    #: A template message's {"template_id", "title", "fields": [[label, value], …], "url"}; None otherwise.
    template: dict[str, Any] | None = None


@dataclass
class Refusal:
    """A send WeChat refused: what the chat simulator shows a student as "quota used up" and the like."""

    seq: int
    touser: str
    api: str  # "custom" | "template"
    errcode: int
    errmsg: str
    at: float


@dataclass
class SimState:
    appid: str
    secret: str
    token_ttl: int = 7200
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at (epoch)
    token_calls: int = 0
    messages: list[SentMessage] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    #: errcodes to answer the next customer-service sends with, in order (e.g. [40001] or [-1, -1]).
    fail_next: list[int] = field(default_factory=list)
    #: openid -> errcode answered to every customer-service send to that user (45015, 45047, 43004…).
    refuse: dict[str, int] = field(default_factory=dict)
    latency_ms: int = 0
    menu: dict[str, Any] | None = None
    #: The account's templates by id, in the order the listing shows them.
    templates: dict[str, Template] = field(default_factory=lambda: {t.template_id: t for t in DEMO_TEMPLATES})
    #: Template ids WeChat banned (43116).
    banned: set[str] = field(default_factory=set)
    #: openid -> errcode answered to every template send to that user (43101: the user refused them).
    template_refuse: dict[str, int] = field(default_factory=dict)
    #: (touser, client_msg_id) -> (msgid, sent at): a repeat within 10 minutes is not delivered again.
    client_msg_ids: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)


class SimCore:
    """The state under its lock, the quota book, and what every send endpoint does with them."""

    def __init__(self, appid: str, secret: str) -> None:
        self.state = SimState(appid=appid, secret=secret)
        #: Re-entrant: a template send checks its client_msg_id and records the message under one hold.
        self.lock = threading.RLock()
        self.grants = GrantBook()
        self.new_message = asyncio.Event()

    def check_token(self, request: Request) -> JSONResponse | None:
        token = request.query_params.get("access_token", "")
        expires = self.state.tokens.get(token)
        if expires is None:
            return err(40001, "invalid credential, access_token is invalid or not latest")
        if expires < time.time():
            return err(42001, "access_token expired")
        return None

    def record(self, touser: str, msgtype: str, content: str, raw: dict[str, Any],
               template: dict[str, Any] | None = None) -> int:
        """A message reached `touser`: kept for /_sim/messages, waiting readers woken; its seq."""
        with self.lock:
            seq = len(self.state.messages) + 1
            self.state.messages.append(SentMessage(seq, touser, msgtype, content, raw, time.time(), template))
        self.new_message.set()
        self.new_message = asyncio.Event()
        return seq

    def refused(self, touser: str, api: str, errcode: int, errmsg: str) -> JSONResponse:
        """WeChat's refusal of a send, kept for /_sim/refusals."""
        with self.lock:
            self.state.refusals.append(Refusal(len(self.state.refusals) + 1, touser, api, errcode, errmsg,
                                               time.time()))
        return err(errcode, errmsg)


def err(code: int, msg: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": msg})
