"""What onecard needs from the WeChat API, and how it fails."""

from __future__ import annotations

from typing import Any, Protocol

from events.errors import PermanentError
from events.notices import AccountTemplate

#: Errcodes after which retrying a customer-service message cannot help.
#: Worded for the clerks who read them on 运行监控 (a message's last error) and the 模板消息 page.
UNDELIVERABLE = {
    45015: "不在客服消息时限内（用户近期未互动或已取消关注）",
    45047: "该用户的客服消息额度已用完",
    43004: "该用户未关注公众号",
    40003: "openid 不正确",
    43101: "用户拒收模板消息",
}

#: Errcodes that say the template message itself is wrong for this account: no user fares better.
TEMPLATE_REFUSALS = {
    40037: "模板不存在",
    47003: "字段内容不合规（不合字段类型，或模板没有这个字段）",
    43116: "模板已被封禁",
}
#: What each refusal means, wherever a clerk reads it.
REFUSALS = {**UNDELIVERABLE, **TEMPLATE_REFUSALS}


class Undeliverable(PermanentError):
    """WeChat will not take this message for this user; recorded, never retried."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode


class TemplateRefused(PermanentError):
    """WeChat refuses the template message as written (unknown, banned, a bad value): never retried."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode


class WeChatApi(Protocol):
    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message. Undeliverable, TransientError or PermanentError."""

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None,
                      client_msg_id: str | None = None) -> None:
        """A template message: what must arrive when no customer-service grant is left.

        `client_msg_id` (≤ 64 bytes): WeChat delivers a repeat with the same id within 10 minutes
        once. TemplateRefused, Undeliverable, TransientError or PermanentError."""

    def list_templates(self) -> list[AccountTemplate]:
        """The account's templates (`template/get_all_private_template`)."""

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the account's custom menu."""
