"""`onecard chat`: find the running platform and its simulators, then chat in the terminal.

Beside `make run` nothing needs saying: the ingress is where the settings put it and the
simulators are at `ONECARD_SIMULATOR_URL` (or their default address).
"""

from __future__ import annotations

import sys

from chatsim.client import ChatClient
from chatsim.config import DEFAULT_SIMULATOR_URL, OPENID, chat_config, wechat_is_simulated
from chatsim.terminal import chat
from events.errors import OnecardError
from onecard.settings import OFFICIAL_API_BASE, Settings


def main(openid: str | None, *, simulator_url: str | None, callback_url: str | None, linger: float) -> int:
    """`onecard chat`: find the ingress and the simulator from the settings `onecard run` uses."""
    settings = Settings()
    simulator = (simulator_url or settings.simulator_url or DEFAULT_SIMULATOR_URL).rstrip("/")
    api_base = settings.wechat_api_base
    if api_base != OFFICIAL_API_BASE and not wechat_is_simulated(api_base, simulator):
        print(f"onecard chat: the platform talks to the WeChat API at {api_base}, not to the simulator at "
              f"{simulator}; the chat simulator only exists beside the WeChat API simulator.", file=sys.stderr)
        return 2
    if openid is not None and not OPENID.match(openid):
        print("onecard chat: an openid is 1-64 characters of A-Z a-z 0-9 _ -", file=sys.stderr)
        return 2
    config = chat_config(settings, simulator, ingress_url=callback_url)
    client = ChatClient(config)
    try:
        client.last_seq(openid or "nobody")
    except OnecardError:
        print(f"onecard chat: no WeChat API simulator answers at {config.wechat_sim_url}. Is `make run` "
              "running? (--simulator-url or ONECARD_SIMULATOR_URL point elsewhere)", file=sys.stderr)
        return 1
    return chat(client, openid, linger=linger)
