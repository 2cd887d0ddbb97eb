"""One module per user-facing concern; each registers its handlers with `@handles` or `@handles_bound`.

`all_handlers()` imports every topic module, so the registry is complete before any turn runs; the
registry itself never imports a topic, which keeps the import graph one-way.
"""

from __future__ import annotations

from collections.abc import Mapping

from events.commands import Command
from workers.runtime.registry import registered
from workers.runtime.turn import Handler


def all_handlers() -> Mapping[type[Command], Handler]:
    """Every handler of every topic, by the command it handles."""
    from workers.topics import (  # noqa: F401  (importing a topic module registers its handlers)
        alert_settings,
        balance,
        bind,
        campus_info,
        card,
        card_changes,
        code_replies,
        general,
        guide,
        lost_found,
        news,
        repair,
        subscriptions,
        topup,
    )

    return registered()
