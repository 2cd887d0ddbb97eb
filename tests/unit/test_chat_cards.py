"""What the chat simulator shows for a template message and for a send WeChat refused, without a
server: the terminal's boxed card, the grey-line wording, and the page's refusal feed."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from chatsim import live
from chatsim.client import ChatClient
from chatsim.config import ChatConfig
from chatsim.refusals import refusal_note
from chatsim.terminal import TerminalChat
from chatsim.textcard import card_lines, card_time, columns

AT = time.mktime((2026, 12, 7, 12, 30, 0, 0, 0, -1))
ALERT = {"template_id": "tmpl-spending", "title": "消费提醒",
         "fields": [["消费金额", "6.50 元"], ["商户", "二食堂"], ["余额", "93.50 元"]],
         "url": "http://127.0.0.1:8080/m/bill"}


def client(tmp_path: Path) -> ChatClient:
    """A client that never reaches a server (the tests replace what it would ask)."""
    return ChatClient(ChatConfig(callback_url="http://127.0.0.1:9/wechat", token="t", appid="wx0", aes_key=None,
                                 wechat_sim_url="http://127.0.0.1:9/wechat-api", sms_sink=tmp_path / "sms"))


def test_a_template_message_is_a_box_with_its_title_time_fields_and_details() -> None:
    lines = card_lines(ALERT, AT)
    box = lines[:-1]
    assert lines[-1] == "  http://127.0.0.1:8080/m/bill"  # under the box: a long URL cannot break it
    assert len({columns(line) for line in box}) == 1, box  # Chinese characters count two columns
    assert [line.strip("│ ") for line in box[1:-1] if not line.startswith("├")] == [
        "消费提醒", "12月7日 12:30", "消费金额  6.50 元", "商户      二食堂", "余额      93.50 元", "详情 >"]
    assert box[0].startswith("┌") and box[-3].startswith("├") and box[-1].startswith("└")


def test_a_template_without_a_link_has_no_details_row() -> None:
    lines = card_lines({"template_id": "t", "title": "通知", "fields": [["内容", "停水"]], "url": None}, AT)
    assert not any("详情" in line for line in lines) and lines[-1].startswith("└")
    assert card_time(AT) == "12月7日 12:30"


def test_the_terminal_prints_a_template_as_its_card_and_a_text_as_text(tmp_path: Path) -> None:
    chat = TerminalChat(client(tmp_path), "sim_x", io.StringIO())
    template = {"seq": 2, "touser": "sim_x", "msgtype": "template", "at": AT, "raw": {}, "template": ALERT,
                "content": "消费提醒\n消费金额：6.50 元\n商户：二食堂\n余额：93.50 元"}
    shown = chat.shown(template).splitlines()
    assert shown[0] == "« 校园一卡通: 服务通知"
    assert shown[1:] == ["    " + line for line in card_lines(ALERT, AT)]
    text = {"seq": 1, "touser": "sim_x", "msgtype": "text", "at": AT, "raw": {}, "template": None,
            "content": "余额为 93.50 元\n（截至 12:30）"}
    assert chat.shown(text) == "« 校园一卡通: 余额为 93.50 元\n    （截至 12:30）"


@pytest.mark.parametrize(("errcode", "note"), [
    (45047, "客服消息额度已用完（45047）：公众号在你上次互动后最多发 5 条（点菜单为 1 分钟内 3 条）"),
    (45015, "不在客服消息时限内（45015）：需要你先发一条消息或点菜单"),
    (43101, "你已拒收该公众号的模板消息（43101）"),
    (45009, "微信拒收了一条消息（45009）"),
])
def test_a_refusal_reads_in_chinese_with_its_errcode(errcode: int, note: str) -> None:
    assert refusal_note({"seq": 1, "api": "custom", "errcode": errcode, "errmsg": "x"}) == note


def test_the_terminal_prints_each_new_refusal_once_as_a_grey_line(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    chat = TerminalChat(client(tmp_path), "sim_x", out)
    refusals: list[dict[str, Any]] = [
        {"seq": 3, "touser": "sim_x", "api": "custom", "errcode": 45047, "errmsg": "out of limit", "at": AT},
        {"seq": 4, "touser": "sim_x", "api": "template", "errcode": 43101, "errmsg": "refuse", "at": AT}]
    asked: list[int] = []

    def found(openid: str, after: int = 0) -> list[dict[str, Any]]:
        asked.append(after)
        if len(asked) > 1:
            chat.stop.set()
        return [r for r in refusals if r["seq"] > after]

    monkeypatch.setattr(chat.client, "refusals", found)
    chat._watch_refusals(2)
    assert asked == [2, 4]
    assert out.getvalue().splitlines() == [f"  — {refusal_note(r)} —" for r in refusals]


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
