"""Notice kinds no template can carry, and the notices held meanwhile: the warning on 概览 and 运行监控.

A notice without a usable template is held (`store.outbound.NO_TEMPLATE`), never dropped; a clerk
must see that it waits, for what, and where to fix it (the 模板消息 page).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from events.notices import KINDS
from store import templates as store_templates
from workers.delivery.templates import TemplateBook


@dataclass(frozen=True)
class Gaps:
    """What the warning says: whether any template is known, each kind without one and why, how many wait."""

    synced: bool
    missing: list[tuple[str, str]]
    held: int

    @property
    def shown(self) -> bool:
        return bool(self.missing or self.held)


def gaps(session: Session) -> Gaps:
    """Read from the database only: the pages never call WeChat to draw themselves."""
    book = TemplateBook.read(session)
    missing = [(KINDS[kind].name, reason) for kind, reason in book.missing().items()]
    return Gaps(bool(book.templates), missing, sum(store_templates.held(session).values()))
