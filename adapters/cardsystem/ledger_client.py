"""The card ledger over HTTP."""

from __future__ import annotations

from typing import Any

from adapters.http import HttpJsonClient
from adapters.keyed import Outcome


class HttpCardLedger:
    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)

    def _op(self, op: str, key: str, order_no: str, student_no: str, amount_fen: int) -> Outcome:
        body = {"op": op, "order_no": order_no, "student_no": student_no, "amount_fen": amount_fen}
        return Outcome.from_json(self.http.request("POST", f"ops/{key}", json=body))

    def credit(self, key: str, *, order_no: str, student_no: str, amount_fen: int) -> Outcome:
        return self._op("credit", key, order_no, student_no, amount_fen)

    def debit(self, key: str, *, order_no: str, student_no: str, amount_fen: int) -> Outcome:
        return self._op("debit", key, order_no, student_no, amount_fen)

    def query(self, key: str) -> Outcome:
        return Outcome.from_json(self.http.request("GET", f"ops/{key}"))

    def void(self, key: str, *, order_no: str) -> Outcome:
        return Outcome.from_json(self.http.request("POST", f"ops/{key}/void", json={"order_no": order_no}))

    def entries(self, date: str) -> list[dict[str, Any]]:
        return list(self.http.request("GET", "ledger", params={"date": date}))
