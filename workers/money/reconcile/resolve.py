"""An operator's decision on a discrepancy reconciliation could not repair by itself."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.tables import Discrepancy, utcnow

#: What an operator may decide (the money movement itself is done by hand, outside onecard).
DECISIONS = frozenset({"refunded_user", "credited_card", "reversed_at_bank", "bank_error", "no_action"})


class CannotResolve(ValueError):
    pass


def resolve_discrepancy(session: Session, discrepancy_id: int, operator: str, decision: str, note: str) -> Discrepancy:
    """Record who decided what and why; in the caller's transaction. A decided item stays decided."""
    if decision not in DECISIONS:
        raise CannotResolve(f"decision must be one of {', '.join(sorted(DECISIONS))}")
    if not operator.strip() or not note.strip():
        raise CannotResolve("an operator and a note are required")
    item = session.get(Discrepancy, discrepancy_id)
    if item is None:
        raise CannotResolve(f"no discrepancy {discrepancy_id}")
    if item.status != "open":
        raise CannotResolve(f"discrepancy {discrepancy_id} is already {item.status}")
    item.status, item.operator, item.decision, item.note, item.resolved_at = (
        "resolved", operator.strip(), decision, note.strip(), utcnow())
    return item
