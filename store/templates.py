"""The account's templates as last listed by WeChat, and the clerks' choices of template per kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from events.notices import AccountTemplate
from store.outbound import NO_TEMPLATE
from store.tables import NoticeTemplate, OutboundMessage, WechatTemplate


def templates(session: Session) -> list[AccountTemplate]:
    return [AccountTemplate(t.template_id, t.title, t.content, t.example)
            for t in session.execute(select(WechatTemplate).order_by(WechatTemplate.title)).scalars()]


def choices(session: Session) -> dict[str, dict[str, Any]]:
    """{kind: {"template_id", "keys"}} as clerks chose them."""
    return {c.kind: {"template_id": c.template_id, "keys": dict(c.keys or {})}
            for c in session.execute(select(NoticeTemplate)).scalars()}


def replace_templates(session: Session, listed: Sequence[AccountTemplate], now: datetime) -> None:
    """Keep exactly what WeChat listed: a template deleted in the console is gone here too."""
    session.execute(delete(WechatTemplate))
    session.add_all(WechatTemplate(template_id=t.template_id, title=t.title, content=t.content, example=t.example,
                                   synced_at=now) for t in listed)


def choose(session: Session, kind: str, template_id: str | None, keys: dict[str, str] | None, operator: str,
           now: datetime) -> None:
    """Record a clerk's choice for `kind`; None: back to the match by title."""
    row = session.get(NoticeTemplate, kind)
    if template_id is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(NoticeTemplate(kind=kind, template_id=template_id, keys=keys or None, updated_by=operator,
                                   updated_at=now))
    else:
        row.template_id, row.keys, row.updated_by, row.updated_at = template_id, keys or None, operator, now


def synced_at(session: Session) -> datetime | None:
    return session.execute(select(WechatTemplate.synced_at).limit(1)).scalar()


def held(session: Session) -> dict[str, int]:
    """Notices held for want of a usable template (`outbound.NO_TEMPLATE`), counted per kind: what the
    back-office shows, so a notice waiting on a clerk is never silently lost."""
    kind = OutboundMessage.notice["kind"].as_string()
    rows = session.execute(select(kind, func.count()).where(OutboundMessage.status == NO_TEMPLATE).group_by(kind))
    return {str(k): int(n) for k, n in rows}
