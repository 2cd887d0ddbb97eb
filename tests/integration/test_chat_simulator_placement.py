"""`onecard run` serves the chat simulator beside the WeChat API simulator, and only there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from events.menu import menu_json
from onecard.run import CHAT_URL, banner, prepare
from onecard.serve import ServerThread, free_port
from onecard.settings import Settings


@contextmanager
def prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             **settings: Any) -> Iterator[tuple[Settings, dict[str, str]]]:
    """What `onecard run` starts before its processes (a broker URL given: no embedded Redis needed)."""
    monkeypatch.setenv("ONECARD_SIMULATOR_PORT", str(free_port()))
    chosen = Settings(_env_file=None, data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0", **settings)
    keepalive: list[Any] = []
    try:
        yield chosen, prepare(chosen, keepalive)
    finally:
        for kept in keepalive:
            if isinstance(kept, ServerThread):
                kept.stop()


def test_make_run_serves_the_chat_simulator_and_says_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with prepared(tmp_path, monkeypatch) as (settings, env):
        chat = env[CHAT_URL]
        assert chat == f"{env['ONECARD_SIMULATOR_URL']}/chat/"
        page = requests.get(chat, timeout=10)
        assert page.status_code == 200 and "聊天模拟器" in page.text
        info = requests.get(f"{chat}api/info", timeout=10).json()
        assert info["callback_url"] == f"http://127.0.0.1:{settings.http_port}/wechat"
        assert requests.get(f"{env['ONECARD_SIMULATOR_URL']}/card/holders/20240001", timeout=10).status_code == 200
        shown = banner(settings, env)
        assert f"Chat simulator      : {chat}" in shown and "onecard chat" in shown
        assert f"WeChat callback URL : {info['callback_url']}" in shown
        assert "20240001  张三" in shown
        # The menu is pushed at start: the phone shows the real menu before anyone runs `menu sync`.
        stats = requests.get(f"{env['ONECARD_SIMULATOR_URL']}/wechat-api/_sim/stats", timeout=10).json()
        assert stats["menu"] == menu_json(settings.resolved_public_url)


def test_a_restart_keeps_the_card_systems_money(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with prepared(tmp_path, monkeypatch) as (_settings, env):
        card = f"{env['ONECARD_SIMULATOR_URL']}/card"
        step: dict[str, Any] = {"op": "credit", "order_no": "TDEMO", "student_no": "20240004", "amount_fen": 1234,
                                "memo": "银行圈存"}
        requests.post(f"{card}/ops/TDEMO:credit", json=step, timeout=10).raise_for_status()
        statement = requests.get(f"{card}/holders/20240004/transactions", timeout=10).json()
    with prepared(tmp_path, monkeypatch) as (_again, env):
        card = f"{env['ONECARD_SIMULATOR_URL']}/card"
        assert requests.get(f"{card}/holders/20240004/balance", timeout=10).json()["balance_fen"] == 1234
        assert requests.get(f"{card}/holders/20240004/transactions", timeout=10).json() == statement
        assert requests.get(f"{card}/ops/TDEMO:credit", timeout=10).json()["status"] == "applied"


def test_the_chat_simulator_is_not_served_when_the_platform_talks_to_the_real_wechat_api(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The card system is still simulated, so the simulators' server runs; WeChat is real.
    with prepared(tmp_path, monkeypatch, wechat_api_base="https://api2.weixin.qq.com/cgi-bin/") as (settings, env):
        assert "ONECARD_WECHAT_API_BASE" not in env and CHAT_URL not in env
        simulators = env["ONECARD_SIMULATOR_URL"]
        assert requests.get(f"{simulators}/card/holders/20240001", timeout=10).status_code == 200
        for path in ("/chat/", "/chat/api/info", "/chat/static/chat.js"):
            assert requests.get(f"{simulators}{path}", timeout=10).status_code == 404, path
        assert "Chat simulator" not in banner(settings, env)
