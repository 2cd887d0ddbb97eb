"""Topic names: each is a dramatiq queue served by its own worker pool."""

from enum import StrEnum


class Topic(StrEnum):
    BIND = "bind"
    QUERY = "query"
    TOPUP = "topup"
    NOTIFY = "notify"
    GENERAL = "general"
    REPLY = "reply"
    #: Card-system transactions (`events.card_events`): alerts, low balance, suspicious use, auto top-up.
    ALERTS = "alerts"


#: What the back-office calls each queue (运行监控).
TOPIC_LABELS = {
    "bind": "绑定", "query": "查询（余额、流水、课表…）", "topup": "充值与缴费", "notify": "通知推送",
    "general": "综合（帮助、菜单、报修）", "reply": "回复发送",
    "alerts": "校园卡动态（消费提醒、可疑交易）",
}

#: Topics whose worker handles inbound WeChat events (REPLY and NOTIFY carry outbound work; ALERTS has
#: its own actor, `workers.runtime.actors.card_event_handler`, since a card transaction is no user's turn).
EVENT_TOPICS: tuple[Topic, ...] = (Topic.BIND, Topic.QUERY, Topic.TOPUP, Topic.GENERAL)

#: Topics whose events travel and run in groups (`workers.runtime.grouping`): one transaction and
#: one enqueue of replies per group. The general topic's turns only touch our own database; card
#: events run one transaction a message (`workers.alerts.process`).
GROUPED_TOPICS: frozenset[Topic] = frozenset({Topic.GENERAL, Topic.QUERY, Topic.ALERTS})

#: Grouped topics whose turns read from the card system or the campus data store: a group's reads
#: are asked side by side before its transaction (`workers.runtime.read_ahead`), so the waits
#: overlap. Turns that change something outside (bind, top-up) stay one per thread.
READ_AHEAD_TOPICS: frozenset[Topic] = frozenset({Topic.QUERY})


def event_actor_name(topic: Topic | str) -> str:
    """The actor that handles inbound events of `topic`; ingress enqueues by this name."""
    return f"handle_{Topic(topic).value}_event"
