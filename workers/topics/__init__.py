"""One module per user-facing concern; each registers its handlers with `@handles`.

Importing the package imports every topic module, so the registry is complete before any turn runs.
"""

from workers.topics import (
    alert_settings,
    balance,
    bind,
    campus_info,
    card,
    card_changes,
    general,
    guide,
    lost_found,
    news,
    repair,
    subscriptions,
    topup,
)

__all__ = ["alert_settings", "balance", "bind", "campus_info", "card", "card_changes", "general", "guide",
           "lost_found", "news", "repair", "subscriptions", "topup"]
