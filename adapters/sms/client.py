"""The school SMS platform over HTTP."""

from __future__ import annotations

from adapters.http import HttpJsonClient
from events.errors import PermanentError


class HttpSms:
    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)

    def send(self, phone: str, text: str) -> None:
        answer = self.http.request("POST", "send", json={"phone": phone, "text": text})
        if answer.get("code") != 0:
            raise PermanentError(f"SMS platform refused: {answer.get('message', answer)}")
