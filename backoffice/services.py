"""What the back-office asks of the services of issue 5 (broadcasts, repair tickets), in one place.

The pages call this `Services` interface; `PlatformServices` delegates to issue 5's functions
(`workers.delivery.broadcast.plan`, `workers.topics.repair`). Each of those runs its own transaction and pushes to the
user itself (customer-service message inside the 48-hour window, the notice template outside it), so
a page ends its own read transaction before calling and records the audit entry after success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from onecard.bootstrap import Platform
from workers.delivery.broadcast import plan as broadcast
from workers.topics import repair

TICKET_STATUSES = repair.STATUS


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    sent: int
    failed: int
    pending: int
    status: str  # queued | sending | done


class Services(Protocol):
    def start_broadcast(self, article_id: int, operator: str) -> int: ...
    def broadcast_progress(self, broadcast_id: int) -> Progress: ...
    def reply_to_ticket(self, ticket_id: int, text: str, operator: str) -> None: ...
    def change_ticket_status(self, ticket_id: int, status: str, operator: str) -> None: ...


class PlatformServices:
    """Issue 5's functions, bound to this process's platform."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def start_broadcast(self, article_id: int, operator: str) -> int:
        return broadcast.start_broadcast(self.platform.uow, self.platform.broker, article_id, operator)

    def broadcast_progress(self, broadcast_id: int) -> Progress:
        p = broadcast.broadcast_progress(self.platform.uow, broadcast_id)
        return Progress(p.total, p.sent, p.failed, p.pending, p.status)

    def reply_to_ticket(self, ticket_id: int, text: str, operator: str) -> None:
        repair.reply_to_ticket(self.platform.uow, self.platform.pusher, ticket_id, operator, text)

    def change_ticket_status(self, ticket_id: int, status: str, operator: str) -> None:
        repair.change_ticket_status(self.platform.uow, self.platform.pusher, ticket_id, operator, status)
