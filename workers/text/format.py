"""How money, phones and times are shown to a user on a phone screen."""

from __future__ import annotations

from datetime import datetime

from events.campus_time import SHANGHAI


def yuan(fen: int) -> str:
    """12345 -> '123.45' (integer arithmetic, never float)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_student_no(student_no: str) -> str:
    return student_no[:2] + "*" * max(len(student_no) - 4, 1) + student_no[-2:] if len(student_no) > 4 else "****"


def local_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


#: How the card system's statuses read to a student.
STATUS = {"normal": "正常", "lost": "已挂失", "frozen": "已冻结", "cancelled": "已注销"}


def mask_card(card_no: str) -> str:
    return card_no[:2] + "****" + card_no[-4:] if len(card_no) > 6 else "****"


def short_time(moment: datetime) -> str:
    """'11-24 12:03' in Shanghai time: enough on a phone screen."""
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def signed_yuan(fen: int) -> str:
    return ("+" if fen > 0 else "") + yuan(fen)


def page_link(web_url: str, path: str, label: str) -> str:
    """A link WeChat shows in a text message, opening one of the pages inside WeChat ("" without a web URL)."""
    return f'\n<a href="{web_url}{path}">{label}</a>' if web_url else ""
