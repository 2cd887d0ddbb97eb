"""What the chat simulator shows for a send WeChat refused, without a server: the grey-line
wording and the page's refusal feed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from chatsim import live
from chatsim.client import ChatClient
from chatsim.config import ChatConfig
from chatsim.refusals import refusal_note

AT = time.mktime((2026, 12, 7, 12, 30, 0, 0, 0, -1))


def client(tmp_path: Path) -> ChatClient:
    """A client that never reaches a server (the tests replace what it would ask)."""
    return ChatClient(ChatConfig(callback_url="http://127.0.0.1:9/wechat", token="t", appid="wx0", aes_key=None,
                                 wechat_sim_url="http://127.0.0.1:9/wechat-api", sms_sink=tmp_path / "sms"))


@pytest.mark.parametrize(("errcode", "note"), [
    (45047, "客服消息额度已用完（45047）：公众号在你上次互动后最多发 5 条（点菜单为 1 分钟内 3 条）"),
    (45015, "不在客服消息时限内（45015）：需要你先发一条消息或点菜单"),
    (43101, "你已拒收该公众号的模板消息（43101）"),
    (45009, "微信拒收了一条消息（45009）"),
])
def test_a_refusal_reads_in_chinese_with_its_errcode(errcode: int, note: str) -> None:
    assert refusal_note({"seq": 1, "api": "custom", "errcode": errcode, "errmsg": "x"}) == note


def test_the_page_feed_pushes_each_refusal_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = {"seq": 7, "touser": "sim_x", "api": "custom", "errcode": 45015, "errmsg": "response out of time limit",
               "at": AT}
    the_client = client(tmp_path)
    monkeypatch.setattr(the_client, "refusals", lambda openid, after: [refusal] if after < 7 else [])

    async def first() -> dict[str, Any]:
        async for item in live.refusals(the_client, "sim_x", 0):
            return item
        raise AssertionError("the feed ended")

    assert anyio.run(first) == {"type": "refusal", "refusal": {**refusal, "note": refusal_note(refusal)}}
