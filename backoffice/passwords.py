"""What a password must be: long enough, and not one of the passwords every attacker tries first.

The list (`common_passwords.txt`, shipped with the package) holds the leaked-password favourites of
ten characters or more; shorter ones fail on length anyway.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 128
LIST = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def weakness(password: str, username: str = "") -> str | None:
    """The code of what is wrong with a new password (`accounts.ACCOUNT_ERRORS`), or None."""
    if len(password) < MIN_LENGTH:
        return "password_short"
    if len(password) > MAX_LENGTH:
        return "password_long"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2 or (username and username.lower() in lowered):
        return "password_common"
    return None
