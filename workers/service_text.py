"""Shared bits of the self-service answers: the ports they need, card statuses, short lines."""

from __future__ import annotations

from adapters.campusdata.port import CampusData
from adapters.cardsystem.services_port import CardServices
from events.errors import PermanentError
from workers.text import SHANGHAI
from workers.turn import Turn

STATUS = {"normal": "正常", "lost": "已挂失", "frozen": "已冻结", "cancelled": "已注销"}


def card_services(turn: Turn) -> CardServices:
    if turn.ports.card_services is None:
        raise PermanentError("the card system is not configured (ONECARD_CARD_SYSTEM_URL)")
    return turn.ports.card_services


def campus(turn: Turn) -> CampusData:
    if turn.ports.campus is None:
        raise PermanentError("the public data store is not configured (ONECARD_CAMPUS_DATA_URL)")
    return turn.ports.campus


def mask_card(card_no: str) -> str:
    return card_no[:2] + "****" + card_no[-4:] if len(card_no) > 6 else "****"


def short_time(moment: object) -> str:
    """'11-24 12:03' in Shanghai time: enough on a phone screen."""
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")  # type: ignore[attr-defined]


def signed_yuan(fen: int) -> str:
    from workers.text import yuan

    return ("+" if fen > 0 else "") + yuan(fen)
