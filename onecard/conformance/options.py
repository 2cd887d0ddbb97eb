"""What a conformance run was asked to do: which bridge, which test holder, and whether money moves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Options:
    system: str
    url: str
    #: The test holder the school provides (a student number); reads are made on it.
    holder: str | None = None
    #: The test holder's card: named on the command line so that no money step guesses a card.
    card: str | None = None
    #: Money steps run only with this: they move real money on the test card (and back).
    with_money: bool = False
    #: How much each money step moves, in fen.
    amount_fen: int = 1
    #: A holder no system knows, for the documented "not found" answers.
    unknown_holder: str = "00000000"
    webhook_secret: str | None = None
    #: Where the runner listens for the card system's test delivery, and the URL the card system is told.
    listen: str = "127.0.0.1:0"
    public_url: str | None = None
    #: Whom the SMS test sends a real text to, only with `send_sms`.
    phone: str | None = None
    send_sms: bool = False
    #: How long to wait for the webhook's test delivery, in seconds.
    webhook_wait: float = 15.0
