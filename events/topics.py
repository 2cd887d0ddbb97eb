"""Topic names: each is a dramatiq queue served by its own worker pool."""

from enum import StrEnum


class Topic(StrEnum):
    BIND = "bind"
    QUERY = "query"
    TOPUP = "topup"
    NOTIFY = "notify"
    GENERAL = "general"
    REPLY = "reply"


#: Topics whose worker handles inbound WeChat events (REPLY and NOTIFY carry outbound work).
EVENT_TOPICS: tuple[Topic, ...] = (Topic.BIND, Topic.QUERY, Topic.TOPUP, Topic.GENERAL)

#: Topics whose events travel and run in groups (`workers.runtime.grouping`): one transaction and
#: one enqueue of replies per group. The general topic's turns only touch our own database.
GROUPED_TOPICS: frozenset[Topic] = frozenset({Topic.GENERAL, Topic.QUERY})

#: Grouped topics whose turns read from the card system or the campus data store: a group's reads
#: are asked side by side before its transaction (`workers.runtime.read_ahead`), so the waits
#: overlap. Turns that change something outside (bind, top-up) stay one per thread.
READ_AHEAD_TOPICS: frozenset[Topic] = frozenset({Topic.QUERY})


def event_actor_name(topic: Topic | str) -> str:
    """The actor that handles inbound events of `topic`; ingress enqueues by this name."""
    return f"handle_{Topic(topic).value}_event"
