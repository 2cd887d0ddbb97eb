"""The self-service handlers, per topic, merged into `workers.runtime.actors.TOPIC_HANDLERS`.

The routing table decides each command's topic; `check_topics` (run by the tests) proves every
routed command has a handler on the topic it is sent to.
"""

from __future__ import annotations

from collections.abc import Mapping

from events import commands as c
from events.topics import Topic
from workers.runtime.turn import Handler
from workers.topics import campus_info, card, card_changes, guide, lost_found, repair, subscriptions

QUERY: dict[type[c.Command], Handler] = {
    **card.HANDLERS, **campus_info.HANDLERS, c.AskLostCard: lost_found.ask_lost_card,  # type: ignore[dict-item]
}
BIND: dict[type[c.Command], Handler] = dict(card_changes.HANDLERS)
GENERAL: dict[type[c.Command], Handler] = {
    **repair.HANDLERS, **guide.HANDLERS, **subscriptions.HANDLERS,
    c.ReportFound: lost_found.report_found,  # type: ignore[dict-item]
}


def merged(topic: Topic, base: Mapping[type[c.Command], Handler]) -> dict[type[c.Command], Handler]:
    """`base` plus this module's handlers for `topic` (ours win: VerifyCode also finishes unfreeze/phone)."""
    extra = {Topic.QUERY: QUERY, Topic.BIND: BIND, Topic.GENERAL: GENERAL}.get(topic, {})
    return {**base, **extra}
