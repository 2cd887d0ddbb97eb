"""What the chat simulator needs to know, and where it may exist at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from adapters.sim.server import PAY_PREFIX, WECHAT_PREFIX
from onecard.settings import Settings

#: WeChat openids are 28 characters of [A-Za-z0-9_-]; anything else could break the callback XML.
OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Where `onecard run` serves the simulators unless told otherwise.
DEFAULT_SIMULATOR_URL = "http://127.0.0.1:8090"


@dataclass(frozen=True)
class ChatConfig:
    """The callback URL and secrets WeChat would use, and the simulator that plays WeChat's API."""

    callback_url: str
    token: str
    appid: str
    aes_key: str | None
    #: The WeChat API simulator's base (…/wechat-api): its `/_sim/messages` shows what was sent.
    wechat_sim_url: str
    sms_sink: Path
    account_name: str = "校园一卡通"

    @property
    def safe_mode(self) -> bool:
        return self.aes_key is not None

    @property
    def pay_sim_url(self) -> str:
        """The WeChat Pay simulator beside the WeChat API's (its pay sheet's answers go there)."""
        return self.wechat_sim_url.rsplit(WECHAT_PREFIX, 1)[0] + PAY_PREFIX + "/"

    @property
    def web_url(self) -> str:
        """The web process (its pages under /m/): where the callback URL lives."""
        return self.callback_url.rsplit("/wechat", 1)[0]


def callback_url(settings: Settings) -> str:
    """The ingress as a local client reaches it (a server bound to every interface included)."""
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
    return f"http://{host}:{settings.http_port}/wechat"


def wechat_is_simulated(api_base: str, simulator_url: str) -> bool:
    """Does the platform send its WeChat API calls to the simulator at `simulator_url`?"""
    return api_base.startswith(simulator_url.rstrip("/") + WECHAT_PREFIX + "/")


def chat_config(settings: Settings, simulator_url: str, *, ingress_url: str | None = None) -> ChatConfig:
    aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key is not None else None
    return ChatConfig(
        callback_url=ingress_url or callback_url(settings),
        token=settings.wechat_token.get_secret_value(),
        appid=settings.wechat_appid,
        aes_key=aes,
        wechat_sim_url=simulator_url.rstrip("/") + WECHAT_PREFIX,
        sms_sink=settings.sms_sink_path,
    )
