"""The phone's menu: what was pushed to WeChat, else the platform's definition, else the routing rules."""

from __future__ import annotations

import sys
import types

import pytest

from chatsim.menu import defined_menu, menu_from_rules, phone_menu
from events.routing import RULES, route_menu_key

DEFINED = {"button": [{"type": "click", "name": "余额", "key": "BALANCE"},
                      {"name": "服务", "sub_button": [{"type": "click", "name": "帮助", "key": "HELP"}]}]}


def test_without_a_menu_definition_every_menu_key_of_the_routing_table_is_a_button() -> None:
    buttons = menu_from_rules()["button"]
    flat = [b for top in buttons for b in (top.get("sub_button") or [top])]
    assert {b["key"] for b in flat} == {r.menu_key for r in RULES if r.menu_key}
    assert len(buttons) <= 3 and all(len(top.get("sub_button", [])) <= 5 for top in buttons)
    assert all(not getattr(route_menu_key(b["key"]).command, "unknown", False) for b in flat)


@pytest.mark.parametrize("shape", ["constant", "function"])
def test_a_menu_defined_in_events_menu_is_the_one_shown(monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    module = types.ModuleType("events.menu")
    if shape == "constant":
        module.MENU = DEFINED  # type: ignore[attr-defined]
    else:
        module.wechat_menu = lambda: DEFINED  # type: ignore[attr-defined]
    module.sync_menu = lambda api: pytest.fail("a function that needs arguments is never called")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "events.menu", module)
    assert defined_menu() == DEFINED
    assert phone_menu(None) == DEFINED["button"]


def test_the_menu_pushed_to_wechat_wins_over_the_definition() -> None:
    pushed = {"button": [{"type": "view", "name": "官网", "url": "https://example.edu.cn/"}]}
    assert phone_menu(pushed) == pushed["button"]
    assert phone_menu({"errcode": 46003}) == defined_menu()["button"]
