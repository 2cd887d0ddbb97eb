"""The bank over HTTP."""

from __future__ import annotations

from adapters.http import HttpJsonClient
from adapters.keyed import Outcome


class HttpBank:
    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)

    def debit(self, key: str, *, order_no: str, account: str, amount_fen: int) -> Outcome:
        body = {"op": "debit", "order_no": order_no, "account": account, "amount_fen": amount_fen}
        return Outcome.from_json(self.http.request("POST", f"ops/{key}", json=body))

    def reverse(self, key: str, *, debit_key: str, order_no: str) -> Outcome:
        body = {"op": "reverse", "order_no": order_no, "debit_key": debit_key}
        return Outcome.from_json(self.http.request("POST", f"ops/{key}", json=body))

    def query(self, key: str) -> Outcome:
        return Outcome.from_json(self.http.request("GET", f"ops/{key}"))

    def statement(self, date: str) -> str:
        # A whole day of CSV, with the BOM banks like to send: more time than a keyed call.
        raw = self.http.get_bytes("statement", params={"date": date}, timeout=max(self.http.timeout, 30))
        return raw.decode("utf-8-sig")
