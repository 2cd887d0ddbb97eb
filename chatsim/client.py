"""A simulated follower's phone: signed callbacks out, the account's messages in.

Shared by the page and `onecard chat`, so both talk to the platform exactly as WeChat does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import requests

from adapters.http import HttpJsonClient
from adapters.sms.file_sink import FileSms
from adapters.wechat.callbacks import CallbackSender, event_xml, text_xml
from chatsim.config import ChatConfig

#: Events a follower's phone produces (WeChat's spelling).
EVENTS = frozenset({"subscribe", "unsubscribe", "CLICK", "VIEW"})
#: WeChat refuses longer text messages.
MAX_TEXT = 2048


def new_openid() -> str:
    """An openid shaped like WeChat's (28 characters), marked as simulated."""
    return "sim_" + secrets.token_urlsafe(18)[:24]


@dataclass(frozen=True)
class Delivery:
    """One callback as sent: the plaintext XML, and how the ingress answered."""

    xml: str
    status: int
    answer: str
    safe_mode: bool

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.answer in ("success", "")

    def as_dict(self) -> dict[str, Any]:
        return {"xml": self.xml, "status": self.status, "answer": self.answer, "safe_mode": self.safe_mode,
                "accepted": self.accepted}


class ChatClient:
    """Sends as WeChat sends and reads what the WeChat API simulator received. Thread-safe."""

    def __init__(self, config: ChatConfig) -> None:
        self.config = config
        self.sms_sink = FileSms(config.sms_sink)
        # WeChat knows what a follower did before delivering it: so does the simulator playing WeChat.
        self.sender = CallbackSender(config.callback_url, config.token, config.appid, config.aes_key,
                                     wechat_sim=config.wechat_sim_url)
        self.wechat_sim = HttpJsonClient(config.wechat_sim_url, timeout=10)

    def _post(self, xml: str) -> Delivery:
        try:
            response = self.sender.post(xml, timeout=10)
        except requests.RequestException as exc:
            return Delivery(xml, 0, f"ingress unreachable: {type(exc).__name__}", self.config.safe_mode)
        return Delivery(xml, response.status_code, response.text, self.config.safe_mode)

    def say(self, openid: str, text: str) -> Delivery:
        return self._post(text_xml(openid, text[:MAX_TEXT]))

    def event(self, openid: str, event: str, key: str | None = None) -> Delivery:
        if event not in EVENTS:
            raise ValueError(f"not a follower's event: {event}")
        return self._post(event_xml(openid, event, key))

    def received(self, openid: str, after: int = 0, wait: float = 0.0) -> list[dict[str, Any]]:
        """Messages the account sent `openid` (seq > after), waiting up to `wait` s for the first."""
        found = self.wechat_sim.request("GET", "_sim/messages", params={"touser": openid, "after": after, "wait": wait},
                                        timeout=wait + 10)
        return list(found)

    def last_seq(self, openid: str) -> int:
        found = self.received(openid)
        return max((m["seq"] for m in found), default=0)

    def refusals(self, openid: str, after: int = 0) -> list[dict[str, Any]]:
        """Sends to `openid` (seq > after) that WeChat refused by its rules (45015, 45047, 43101…),
        none from a simulator too old to list them."""
        found = self.wechat_sim.request("GET", "_sim/refusals", params={"touser": openid}, ok_404=True)
        return [r for r in found or [] if int(r["seq"]) > after]

    def pushed_menu(self) -> dict[str, Any] | None:
        """The menu the platform pushed to the WeChat API simulator (`menu/create`), if any."""
        menu = self.wechat_sim.request("GET", "_sim/stats").get("menu")
        return menu if isinstance(menu, dict) else None

    def authorizations(self, openid: str, after: int = 0) -> list[dict[str, Any]]:
        """The web authorizations (网页授权) of `openid` the WeChat simulator saw after `after`."""
        return list(self.wechat_sim.request("GET", "_sim/oauth", params={"openid": openid, "after": after}))

    def sms(self, after: int = 0) -> list[dict[str, Any]]:
        """SMS in the sink after the first `after`, numbered from 1 in the order written."""
        return [{"n": n, **line} for n, line in enumerate(self.sms_sink.read(), start=1) if n > after]
