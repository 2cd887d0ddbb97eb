"""What WeChat lets an account send a user by customer-service message after the user's own move.

WeChat's table for 服务号 (../shared/WECHAT.md): a message grants 5 sends within 48 hours; a menu
click, a follow or a parametric QR scan 3 within a minute; a WeChat Pay payment any number within
48 hours. Events the user did not make (a template's delivery report, a location report, a `view`
button) grant nothing. Past a grant WeChat answers 45015 (none) or 45047 (used up): what must
still arrive goes as a template message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Scenario(StrEnum):
    MESSAGE = "message"
    CLICK = "click"
    FOLLOW = "follow"
    SCAN = "scan"
    PAYMENT = "payment"


@dataclass(frozen=True)
class GrantRule:
    #: Customer-service messages allowed; None: any number.
    allowed: int | None
    lasts: timedelta

    @property
    def margin(self) -> timedelta:
        """How long before its end a grant is no longer counted on: a message recorded now is sent a
        moment later, and one that reaches WeChat after the end is refused."""
        return min(self.lasts / 12, timedelta(hours=1))


GRANTS: dict[Scenario, GrantRule] = {
    Scenario.MESSAGE: GrantRule(5, timedelta(hours=48)),
    Scenario.CLICK: GrantRule(3, timedelta(minutes=1)),
    Scenario.FOLLOW: GrantRule(3, timedelta(minutes=1)),
    Scenario.SCAN: GrantRule(3, timedelta(minutes=1)),
    Scenario.PAYMENT: GrantRule(None, timedelta(hours=48)),
}

#: Menu events that grant a click's sends (a `view` button opens a page and grants nothing).
CLICK_EVENTS = frozenset({"click", "scancode_push", "scancode_waitmsg"})


def scenario_of(msg_type: str | None, event: str | None = None, event_key: str | None = None) -> Scenario | None:
    """The grant a callback gives its sender, or None (an event the user did not make)."""
    if not msg_type:
        return None
    if msg_type != "event":  # whatever the user sent (text, voice, a type WeChat added later): 用户发送信息
        return Scenario.MESSAGE
    name = (event or "").lower()
    if name in CLICK_EVENTS:
        return Scenario.CLICK
    if name == "subscribe":
        return Scenario.SCAN if (event_key or "").startswith("qrscene_") else Scenario.FOLLOW
    if name == "scan":
        return Scenario.SCAN
    return None
