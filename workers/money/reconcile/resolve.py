"""An operator's decision on a discrepancy reconciliation could not repair by itself."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.tables import Discrepancy, utcnow

#: What an operator may decide, with its Chinese name (the money itself is moved by hand, outside onecard).
DECISIONS = {
    "refunded_user": "已退款给用户",
    "credited_card": "已补写入卡",
    "reversed_at_bank": "已在银行冲正",
    "bank_error": "银行差错",
    "no_action": "无需处理（时间差等）",
}


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
