"""The account's custom menu, as a follower's phone shows it.

The phone shows what WeChat has: the menu the platform pushed (`menu/create` on the simulator).
Before any push, the menu the platform would push: its definition in `events.menu` when there is
one, else one click button per routing rule that has a menu key.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from events.routing import RULES

Menu = dict[str, Any]


def _definition_in(module: Any) -> Menu | None:
    """A WeChat menu (`{"button": […]}`) defined in `module`, as a value or a no-argument function."""
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if callable(value) and not inspect.isclass(value) and "menu" in name.lower():
            try:
                if any(p.default is p.empty for p in inspect.signature(value).parameters.values()):
                    continue
                value = value()
            except Exception:
                continue
        if isinstance(value, dict) and isinstance(value.get("button"), list):
            return value
    return None


def _label(words: tuple[str, ...]) -> str:
    return next((w for w in words if not w.isascii()), words[0])


def menu_from_rules() -> Menu:
    """One click button per rule with a menu key; past three, the rest under "更多" (WeChat's limits)."""
    buttons: list[dict[str, Any]] = [{"type": "click", "name": _label(r.words), "key": r.menu_key}
                                     for r in RULES if r.menu_key]
    if len(buttons) > 3:
        buttons = [*buttons[:2], {"name": "更多", "sub_button": buttons[2:7]}]
    return {"button": buttons}


def defined_menu() -> Menu:
    """The menu the platform pushes to WeChat, read from the code."""
    try:
        module = importlib.import_module("events.menu")
    except ImportError:
        return menu_from_rules()
    return _definition_in(module) or menu_from_rules()


def phone_menu(pushed: Menu | None) -> list[dict[str, Any]]:
    """The top-level buttons a phone shows: the pushed menu if there is one, else the defined one."""
    menu = pushed if pushed and isinstance(pushed.get("button"), list) else defined_menu()
    return list(menu["button"])
