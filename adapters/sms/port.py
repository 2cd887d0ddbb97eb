"""What onecard needs from an SMS platform: send one text to one phone."""

from __future__ import annotations

from typing import Protocol


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver or raise: TransientError to retry, PermanentError when the platform refuses."""
