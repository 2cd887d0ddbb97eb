"""The custom menu: defined once, pushed with `onecard menu sync`, its clicks routed like text."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from events.menu import MENU, is_page, menu_json
from events.routing import route_menu_key
from tests.harness import ROOT, Stack


def test_every_menu_key_routes_to_a_real_command_not_the_fallback_help() -> None:
    for _name, subs in MENU:
        for label, key in subs:
            if is_page(key):  # a `view` button opens a page, it sends no click
                continue
            routed = route_menu_key(key)
            assert getattr(routed.command, "unknown", False) is False, label


def test_menu_sync_pushes_the_menu_to_wechat(stack: Stack) -> None:
    done = subprocess.run([sys.executable, "-m", "onecard.cli", "menu", "sync"], env={**os.environ, **stack.env},
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "menu pushed: 3 buttons, 15 items" in done.stdout
    pushed = requests.get(f"{stack.simulator_url}/wechat-api/_sim/stats", timeout=5).json()["menu"]
    assert pushed == menu_json(stack.ingress_url)
    views = [b for top in pushed["button"] for b in top["sub_button"] if b["type"] == "view"]
    assert views == [{"type": "view", "name": "我的校园卡", "url": f"{stack.ingress_url}/m/card"}]


def test_menu_clicks_answer_like_the_text_commands(live: Stack, openid: str) -> None:
    live.bind(openid, "20240001")
    before = len(live.sent_to(openid))
    live.click(openid, "TIMETABLE")
    live.click(openid, "REPAIR")
    live.click(openid, "GRADES")
    replies = live.replies(openid, before + 3)[before:]
    assert any(r.startswith("今天") for r in replies)
    assert any("报修 类别 地点 描述" in r for r in replies)
    assert any("学期成绩" in r for r in replies)
