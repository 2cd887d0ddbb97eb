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


class Undeliverable(PermanentError):
    """WeChat will not take this message for this user; recorded, never retried."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode


class TemplateRefused(PermanentError):
    """WeChat refused a template message for the template or its values: 40037 (unknown template),
    47003 (a value breaks its key's type), 43116 (template banned). Not the user's doing."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode


class WeChatApi(Protocol):
    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message. Undeliverable, TransientError or PermanentError."""

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None,
                      client_msg_id: str | None = None) -> None:
        """A template message: what must arrive when no customer-service grant is left."""

    def list_templates(self) -> list[AccountTemplate]:
        """The account's templates (`template/get_all_private_template`)."""

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the account's custom menu."""
