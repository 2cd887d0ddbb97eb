"""The card system over HTTP (the school's middleware in front of the card database)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from adapters.cardsystem.port import CardHolder, CardInfo, MerchantTotal, Transaction, TransactionPage
from adapters.http import HttpJsonClient
from adapters.keyed import Outcome
from events.errors import PermanentError


class HttpCardSystem:
    """The one card-system client: handlers, the money relay and reconciliation share it.

    Keyed ledger calls wait `money_timeout` (default `timeout`): for them a timeout is an unknown
    outcome, so the money settings decide how long it is.
    """

    def __init__(self, base_url: str, *, timeout: float = 5.0, money_timeout: float | None = None,
                 pool_size: int = 16) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout, pool_size=pool_size)
        self.money_timeout = timeout if money_timeout is None else money_timeout

    def find_holder(self, student_no: str) -> CardHolder | None:
        data = self.http.request("GET", f"holders/{student_no}", ok_404=True)
        if data is None:
            return None
        return CardHolder(student_no=data["student_no"], name=data["name"], phone=data["phone"],
                          card_no=data["card_no"], status=data["status"])

    def merchant_totals(self, *, since: datetime, until: datetime) -> list[MerchantTotal]:
        data = self.http.request("GET", "merchants", params={"since": since.isoformat(), "until": until.isoformat()})
        return [MerchantTotal(str(m["merchant"]), str(m["category"]), int(m["count"]), int(m["amount_fen"]))
                for m in data["items"]]

    def balance_fen(self, student_no: str) -> int:
        data = self.http.request("GET", f"holders/{student_no}/balance", ok_404=True)
        if data is None:
            raise PermanentError("unknown card holder")
        return int(data["balance_fen"])

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

    def _keyed(self, op: str, key: str, order_no: str, student_no: str, amount_fen: int, memo: str) -> Outcome:
        body = {"op": op, "order_no": order_no, "student_no": student_no, "amount_fen": amount_fen, "memo": memo}
        return Outcome.from_json(self.http.request("POST", f"ops/{key}", json=body, timeout=self.money_timeout))

    def credit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str) -> Outcome:
        return self._keyed("credit", key, order_no, student_no, amount_fen, memo)

    def debit(self, key: str, *, order_no: str, student_no: str, amount_fen: int, memo: str) -> Outcome:
        return self._keyed("debit", key, order_no, student_no, amount_fen, memo)

    def query(self, key: str) -> Outcome:
        return Outcome.from_json(self.http.request("GET", f"ops/{key}", timeout=self.money_timeout))

    def void(self, key: str, *, order_no: str) -> Outcome:
        answer = self.http.request("POST", f"ops/{key}/void", json={"order_no": order_no}, timeout=self.money_timeout)
        return Outcome.from_json(answer)
