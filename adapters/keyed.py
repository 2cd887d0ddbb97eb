"""What every money system answers for one keyed operation (Stripe's model: the first outcome for
an idempotency key is the outcome, however often the key is sent again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: applied: it happened. refused: it will never happen (and the key is spent). voided: we asked
#: that it never happen and it had not; a late request with the key is refused. reversed: a bank
#: debit that was applied and then taken back. not_found: the system never saw the key.
STATUSES = frozenset({"applied", "refused", "voided", "reversed", "not_found"})
#: How the back-office names each outcome (reconciliation's findings quote them).
OUTCOME_LABELS = {"applied": "已入账", "refused": "被拒绝", "voided": "已作废", "reversed": "已冲回",
                  "not_found": "无记录"}


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    reason: str | None = None
    balance_after_fen: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        status = str(data.get("status", ""))
        if status not in STATUSES:
            raise ValueError(f"unknown outcome status {status!r}")
        balance = data.get("balance_after_fen")
        return cls(status, data.get("reason"), int(balance) if balance is not None else None)

    @property
    def applied(self) -> bool:
        return self.status == "applied"
