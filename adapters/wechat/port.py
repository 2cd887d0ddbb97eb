"""What onecard needs from the WeChat API, and how it fails."""

from __future__ import annotations

from typing import Any, Protocol

from events.errors import PermanentError
from events.notices import AccountTemplate

#: Errcodes after which retrying a customer-service message cannot help.
UNDELIVERABLE = {
    45015: "outside the 48-hour window or the user unfollowed",
    45047: "customer-service quota for this user used up",
    43004: "the user does not follow the account",
    40003: "invalid openid",
    43101: "the user refused this notification",
}

#: Errcodes that say the template message itself is wrong for this account: no user fares better.
TEMPLATE_REFUSALS = {
    40037: "the account has no such template",
    47003: "a value breaks its key's type, or the template has no such key",
    43116: "the template is banned",
}


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
