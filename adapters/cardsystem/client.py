"""The card system over HTTP (the school's middleware in front of the card database)."""

from __future__ import annotations

from adapters.cardsystem.port import CardHolder
from adapters.http import HttpJsonClient
from events.errors import PermanentError


class HttpCardSystem:
    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)

    def find_holder(self, student_no: str) -> CardHolder | None:
        data = self.http.request("GET", f"holders/{student_no}", ok_404=True)
        if data is None:
            return None
        return CardHolder(
            student_no=data["student_no"], name=data["name"], phone=data["phone"],
            card_no=data["card_no"], status=data["status"],
        )

    def balance_fen(self, student_no: str) -> int:
        data = self.http.request("GET", f"holders/{student_no}/balance", ok_404=True)
        if data is None:
            raise PermanentError("unknown card holder")
        return int(data["balance_fen"])
