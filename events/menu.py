"""The account's custom menu, defined once. Every click key is a `menu_key` of the routing table,
so a click and the matching text command reach the same handler (checked by `check_menu`).

WeChat's limits: at most 3 top-level buttons with 5 sub-buttons each; a key up to 128 bytes.
A sub-button whose key is a path under `/m/` is a `view` button instead: it opens that page of the
web process inside WeChat (the page learns who opened it through web authorization).
"""

from __future__ import annotations

from typing import Any

from events.routing import RULES

MENU: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("校园卡", (("余额", "BALANCE"), ("流水", "HISTORY"), ("月账单", "BILL"), ("我的校园卡", "/m/card"),
                ("挂失", "REPORT_LOST"))),
    ("查询", (("课表", "TIMETABLE"), ("成绩", "GRADES"), ("借阅", "LOANS"), ("会议签到", "MEETINGS"),
              ("存包柜", "LOCKERS"))),
    ("服务", (("报修", "REPAIR"), ("我的报修", "MY_REPAIRS"), ("服务指南", "GUIDE"), ("寻找失卡", "FIND_CARD"),
              ("帮助", "HELP"))),
)


def check_menu() -> None:
    """Raise if the menu breaks WeChat's limits or names a key the routing table does not know."""
    keys = {rule.menu_key for rule in RULES if rule.menu_key}
    if not 1 <= len(MENU) <= 3:
        raise ValueError("a menu has 1 to 3 top-level buttons")
    for name, subs in MENU:
        if not 1 <= len(subs) <= 5:
            raise ValueError(f"menu {name!r} needs 1 to 5 sub-buttons")
        for label, key in subs:
            if is_page(key):
                continue
            if key not in keys:
                raise ValueError(f"menu {label!r} has key {key!r} that no routing rule handles")
            if len(key.encode()) > 128 or len(label.encode()) > 60:
                raise ValueError(f"menu {label!r}: name or key too long")


def is_page(key: str) -> bool:
    """A `view` button's key: the path of one of the pages inside WeChat."""
    return key.startswith("/m/")


def _button(label: str, key: str, public_url: str) -> dict[str, str]:
    if is_page(key):
        return {"type": "view", "name": label, "url": public_url.rstrip("/") + key}
    return {"type": "click", "name": label, "key": key}


def menu_json(public_url: str = "") -> dict[str, Any]:
    """The body of `menu/create`; `public_url` is the web process as phones reach it (view buttons)."""
    check_menu()
    return {"button": [{"name": name, "sub_button": [_button(label, key, public_url) for label, key in subs]}
                       for name, subs in MENU]}
