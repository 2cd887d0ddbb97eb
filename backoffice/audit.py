"""The audit log: every operator action, in the same transaction as the action itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store.tables import AuditEntry, utcnow


def record(
    session: Session,
    operator: str,
    action: str,
    target: str | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add one entry; committed (or rolled back) with the change it describes."""
    entry = AuditEntry(at=utcnow(), operator=operator, action=action, target=target, before=before,
                       after=after, ip=ip, detail=detail)
    session.add(entry)
    return entry
