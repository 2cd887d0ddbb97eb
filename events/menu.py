"""The account's custom menu and its pickers, defined once.

Every click key is a `menu_key` of the routing table, so a click and the matching text command
reach the same handler (checked by `check_menu`). WeChat allows 3 buttons × 5 items, fewer than
our functions, so the reasoning is:

- **One tap for what a student does weekly**: balance, statement, bill, top-up, timetable, grades,
  loans. These are items of their own.
- **Two taps for the rest**, through a *picker*: an item whose reply lists the commands of one
  family with an example to send (`PICKERS`: fees, card safety, account, news, more services).
  The six fees share one picker because they share one flow (`缴费` typed shows it too).
- Buttons are what a student thinks of, not how the code is split: 校园卡 (the card and its
  money history), 我的 (paying in and the account), 校园 (campus information and services).
- 校园卡 ▸ **我的校园卡** is a `view` item: it opens the card's page (/m/card: card info, quick
  actions, charts), which tells more than the 卡信息 text reply (`卡信息` typed still answers).
- 我的 ▸ the fifth place is free for **提醒设置** (alerts settings): `Click("提醒设置", KEY)`.
- `菜单` (typed) lists the same menu as text, and `帮助` everything switched on.

WeChat's limits: at most 3 top-level buttons with 5 sub-buttons each; a name up to 60 bytes, a
click key up to 128 bytes. `make run` pushes `menu_json()` to the WeChat simulator at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events.routing import RULES


@dataclass(frozen=True, slots=True)
class Click:
    label: str
    key: str


@dataclass(frozen=True, slots=True)
class View:
    """An item that opens a page: `path` under the platform's public base URL."""

    label: str
    path: str


Item = Click | View

MENU: tuple[tuple[str, tuple[Item, ...]], ...] = (
    ("校园卡", (Click("余额", "BALANCE"), Click("流水", "HISTORY"), Click("账单", "BILL"),
                View("我的校园卡", "/m/card"), Click("挂失·更多", "MENU_CARD"))),
    ("我的", (Click("充值", "TOPUP"), Click("缴费", "MENU_FEES"), Click("绑定与账户", "MENU_ACCOUNT"),
              Click("帮助", "HELP"), Click("提醒设置", "ALERT_SETTINGS"))),
    ("校园", (Click("课表", "TIMETABLE"), Click("成绩", "GRADES"), Click("借阅", "LOANS"),
              Click("新闻公告", "MENU_NEWS"), Click("更多服务", "MENU_MORE"))),
)

#: Picker name (`ShowMenu.picker`) -> its title and the command words it offers, in order.
#: The reply shows each word's usage line from the routing table, leaving out what is switched off.
PICKERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fees": ("缴费", ("网费", "电费", "图像采集费", "图书欠费", "外语考试费", "校友捐赠")),
    "card": ("挂失与更多", ("挂失", "解挂", "寻卡", "拾卡", "年度账单", "绑定手机")),
    "account": ("绑定与账户", ("绑定", "解绑", "账户信息", "绑定手机", "订阅", "退订")),
    "news": ("新闻公告", ("新闻", "公告", "订阅", "退订")),
    "more": ("更多服务", ("会议", "存包柜", "报修", "我的报修", "指南", "寻卡")),
}


def check_menu() -> None:
    """Raise if the menu breaks WeChat's limits or names a key or word the routing table does not know."""
    keys = {rule.menu_key for rule in RULES if rule.menu_key}
    words = {word for rule in RULES for word in rule.words}
    if not 1 <= len(MENU) <= 3:
        raise ValueError("a menu has 1 to 3 top-level buttons")
    for name, subs in MENU:
        if not 1 <= len(subs) <= 5:
            raise ValueError(f"menu {name!r} needs 1 to 5 sub-buttons")
        for item in subs:
            if isinstance(item, Click) and item.key not in keys:
                raise ValueError(f"menu {item.label!r} has key {item.key!r} that no routing rule handles")
            if (isinstance(item, Click) and len(item.key.encode()) > 128) or len(item.label.encode()) > 60:
                raise ValueError(f"menu {item.label!r}: name or key too long")
    for picker, (_title, offered) in PICKERS.items():
        if f"MENU_{picker.upper()}" not in keys:
            raise ValueError(f"picker {picker!r} has no menu key")
        if unknown := [w for w in offered if w not in words]:
            raise ValueError(f"picker {picker!r} offers words no rule reads: {unknown}")


def menu_json(base_url: str = "") -> dict[str, Any]:
    """The body of `menu/create`; `base_url` prefixes the pages of `View` items."""
    check_menu()

    def item(i: Item) -> dict[str, str]:
        if isinstance(i, View):
            return {"type": "view", "name": i.label, "url": base_url.rstrip("/") + i.path}
        return {"type": "click", "name": i.label, "key": i.key}

    return {"button": [{"name": name, "sub_button": [item(i) for i in subs]} for name, subs in MENU]}
