"""The card system's self-service endpoints over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from adapters.cardsystem.services_port import CardInfo, Transaction, TransactionPage
from adapters.http import HttpJsonClient
from events.errors import PermanentError


class HttpCardServices:
    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)

    def card_info(self, student_no: str) -> CardInfo | None:
        data = self.http.request("GET", f"holders/{student_no}/card", ok_404=True)
        if data is None:
            return None
        return CardInfo(student_no=data["student_no"], name=data["name"], card_no=data["card_no"],
                        status=data["status"], kind=data["kind"], bank_account=data.get("bank_account"),
                        valid_until=date.fromisoformat(data["valid_until"]))

    def transactions(self, student_no: str, *, since: datetime | None = None, until: datetime | None = None,
                     offset: int = 0, limit: int = 20) -> TransactionPage:
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if since is not None:
            params["since"] = since.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        data = self.http.request("GET", f"holders/{student_no}/transactions", params=params, ok_404=True)
        if data is None:
            raise PermanentError("unknown card holder")
        items = [Transaction(id=t["id"], at=datetime.fromisoformat(t["at"]), amount_fen=int(t["amount_fen"]),
                             merchant=t["merchant"], category=t["category"], balance_fen=int(t["balance_fen"]))
                 for t in data["items"]]
        return TransactionPage(items, int(data["total"]))

    def holder_by_card(self, card_no: str) -> str | None:
        data = self.http.request("GET", f"cards/{card_no}", ok_404=True)
        return None if data is None else str(data["student_no"])

    def freeze(self, student_no: str, reason: str) -> str:
        return str(self.http.request("POST", f"holders/{student_no}/freeze", json={"reason": reason})["status"])

    def unfreeze(self, student_no: str) -> str:
        return str(self.http.request("POST", f"holders/{student_no}/unfreeze", json={})["status"])

    def set_phone(self, student_no: str, phone: str) -> None:
        self.http.request("POST", f"holders/{student_no}/phone", json={"phone": phone})
