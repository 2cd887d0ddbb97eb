"""The account's custom menu, as a follower's phone shows it.

The phone shows what WeChat has: the menu the platform pushed (`menu/create` on the simulator).
Before any push, the menu `onecard menu sync` would push: the one definition in `events.menu`.
"""

from __future__ import annotations

from typing import Any

from events.menu import menu_json

Menu = dict[str, Any]


def phone_menu(pushed: Menu | None, web_url: str = "") -> list[dict[str, Any]]:
    """The top-level buttons a phone shows: the pushed menu if there is one, else the defined one
    (its `view` buttons opening the pages of the web process at `web_url`)."""
    menu = pushed if pushed and isinstance(pushed.get("button"), list) else menu_json(web_url)
    return list(menu["button"])
