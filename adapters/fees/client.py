"""The fee systems' gateway over HTTP."""

from __future__ import annotations

from adapters.fees.port import Due, FeeRecord
from adapters.http import HttpJsonClient
from adapters.keyed import Outcome


class HttpFeeSystems:
    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.http = HttpJsonClient(base_url, timeout=timeout)

    def due(self, kind: str, student_no: str) -> list[Due]:
        data = self.http.request("GET", f"due/{kind}/{student_no}")
        return [Due(str(d["target"]), str(d["label"]), int(d["amount_fen"])) for d in data["items"]]

    def pay(self, key: str, *, order_no: str, kind: str, target: str, amount_fen: int, payer: str = "") -> Outcome:
        body = {"op": "pay", "order_no": order_no, "kind": kind, "target": target, "amount_fen": amount_fen,
                "payer": payer}
        return Outcome.from_json(self.http.request("POST", f"ops/{key}", json=body))

    def query(self, key: str) -> Outcome:
        return Outcome.from_json(self.http.request("GET", f"ops/{key}"))

    def void(self, key: str, *, order_no: str) -> Outcome:
        return Outcome.from_json(self.http.request("POST", f"ops/{key}/void", json={"order_no": order_no}))

    def records(self, date: str) -> list[FeeRecord]:
        rows = self.http.request("GET", "records", params={"date": date}, timeout=max(self.http.timeout, 30))
        return [FeeRecord(str(r["order_no"]), str(r["kind"]), str(r["target"]), int(r["amount_fen"]),
                          str(r["booked_at"])) for r in rows]
