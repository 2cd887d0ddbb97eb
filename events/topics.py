"""Topic names: each is a dramatiq queue served by its own worker pool."""

from enum import StrEnum


class Topic(StrEnum):
    BIND = "bind"
    QUERY = "query"
    TOPUP = "topup"
    NOTIFY = "notify"
    GENERAL = "general"
    REPLY = "reply"


#: What the back-office calls each queue (运行监控).
TOPIC_LABELS = {
    "bind": "绑定", "query": "查询（余额、流水、课表…）", "topup": "充值与缴费", "notify": "通知推送",
    "general": "综合（帮助、菜单、报修）", "reply": "回复发送",
}

#: Topics whose worker handles inbound WeChat events (REPLY and NOTIFY carry outbound work).
EVENT_TOPICS: tuple[Topic, ...] = (Topic.BIND, Topic.QUERY, Topic.TOPUP, Topic.GENERAL)

#: Topics whose turns only read and write our own database (help, menus, repair tickets): their
#: events travel and run in groups (`workers.runtime.grouping`). Turns that wait on the card system or
#: another outside service run one per thread, so that those waits overlap instead of queueing.
GROUPED_TOPICS: frozenset[Topic] = frozenset({Topic.GENERAL})


def event_actor_name(topic: Topic | str) -> str:
    """The actor that handles inbound events of `topic`; ingress enqueues by this name."""
    return f"handle_{Topic(topic).value}_event"
