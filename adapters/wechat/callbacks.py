"""WeChat's side of a callback: build, sign (and encrypt) messages as WeChat pushes them.

Used by the chat simulator, the tests and the load generator, so all of them talk to the ingress
exactly as WeChat does.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import requests
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from adapters.http import outgoing_session

_msg_ids = itertools.count(int(time.time() * 1000) * 1000)
_CREATE_TIME = re.compile(r"<CreateTime>\s*(?:<!\[CDATA\[)?(\d+)")


def _xml(fields: dict[str, str | int]) -> str:
    parts = []
    for name, value in fields.items():
        text = str(value)
        parts.append(f"<{name}>{value}</{name}>" if isinstance(value, int) else f"<{name}><![CDATA[{text}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(openid: str, content: str, *, to_user: str = "gh_onecard", msg_id: int | None = None,
             create_time: int | None = None) -> str:
    return _xml({"ToUserName": to_user, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
                 "MsgType": "text", "Content": escape(content) if "]]>" in content else content,
                 "MsgId": msg_id or next(_msg_ids)})


def event_xml(openid: str, event: str, key: str | None = None, *, to_user: str = "gh_onecard",
              create_time: int | None = None) -> str:
    fields: dict[str, str | int] = {"ToUserName": to_user, "FromUserName": openid,
                                    "CreateTime": create_time or int(time.time()), "MsgType": "event",
                                    "Event": event}
    if key is not None:
        fields["EventKey"] = key
    return _xml(fields)


@dataclass
class CallbackSender:
    """POSTs callbacks to an ingress URL, signed with `token`; encrypted when `aes_key` is set.

    With `wechat_sim` (the WeChat API simulator's base, `…/wechat-api`) each callback is first
    reported to the simulator, as WeChat knows what a user did before it delivers it: the user's
    grant for customer-service messages exists by the time the platform answers.
    """

    url: str
    token: str
    appid: str = ""
    aes_key: str | None = None
    #: Our outgoing stack unless given (a load generator brings its own).
    session: requests.Session | None = None
    wechat_sim: str | None = None

    def __post_init__(self) -> None:
        self.http: requests.Session = self.session or outgoing_session(self.url)
        if self.wechat_sim:
            self.wechat_sim = self.wechat_sim.rstrip("/")
            self.sim_http: requests.Session = self.session or outgoing_session(self.wechat_sim)

    def signed_query(self, *, timestamp: str | None = None, nonce: str | None = None,
                     encrypt: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        query = {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp,
                 "nonce": nonce, "openid": ""}
        if encrypt is not None:
            query["encrypt_type"] = "aes"
            query["msg_signature"] = signature(self.token, timestamp, nonce, encrypt)
        return query

    def heard(self, xml: str, *, timeout: float = 10.0) -> None:
        """Tell the WeChat API simulator what the user did (at the callback's CreateTime)."""
        created = _CREATE_TIME.search(xml)
        query = f"?at={created.group(1)}" if created else ""
        answer = self.sim_http.post(f"{self.wechat_sim}/_sim/heard{query}", data=xml.encode(), timeout=timeout)
        answer.raise_for_status()

    def post(self, xml: str, *, timeout: float = 10.0) -> requests.Response:
        """The ingress's answer as it came: its status and body are what the caller checks."""
        if self.wechat_sim:
            self.heard(xml, timeout=timeout)
        if self.aes_key:
            nonce = secrets.token_hex(5)
            timestamp = str(int(time.time()))
            crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
            envelope = crypto.encrypt_message(xml, nonce, timestamp)
            encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]></Encrypt>")[0]
            query = self.signed_query(timestamp=timestamp, nonce=nonce, encrypt=encrypt)
            body = f"<xml><ToUserName><![CDATA[gh_onecard]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            return self.http.post(f"{self.url}?{urlencode(query)}", data=body.encode(), timeout=timeout)
        return self.http.post(f"{self.url}?{urlencode(self.signed_query())}", data=xml.encode(), timeout=timeout)


def signature(*parts: str) -> str:
    """WeChat's SHA-1 over the sorted strings: `signature` over three, safe mode's `msg_signature` over four."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)
