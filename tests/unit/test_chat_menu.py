"""The phone's menu: what was pushed to WeChat, else the platform's one definition."""

from __future__ import annotations

from chatsim.menu import phone_menu
from events.menu import menu_json
from events.routing import route_menu_key


def test_before_any_push_the_phone_shows_the_defined_menu_and_every_button_routes() -> None:
    buttons = phone_menu(None, "http://127.0.0.1:8080")
    assert buttons == menu_json("http://127.0.0.1:8080")["button"]
    flat = [b for top in buttons for b in (top.get("sub_button") or [top])]
    assert len(buttons) <= 3 and all(len(top.get("sub_button", [])) <= 5 for top in buttons)
    clicks = [b for b in flat if b["type"] == "click"]
    assert all(not getattr(route_menu_key(b["key"]).command, "unknown", False) for b in clicks)
    views = [b for b in flat if b["type"] == "view"]
    assert views == [{"type": "view", "name": "我的校园卡", "url": "http://127.0.0.1:8080/m/card"}]


def test_the_menu_pushed_to_wechat_wins_over_the_definition() -> None:
    pushed = {"button": [{"type": "view", "name": "官网", "url": "https://example.edu.cn/"}]}
    assert phone_menu(pushed) == pushed["button"]
    assert phone_menu({"errcode": 46003}) == menu_json()["button"]
