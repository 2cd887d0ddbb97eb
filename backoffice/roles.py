"""Roles and what each may do. The server checks these on every route; the page only mirrors them."""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    PUBLIC = "public"  # sign-in page, static files
    VIEW = "view"  # read every page except the audit log and the operator list
    ACT = "act"  # change things on the platform: switches, articles, unbind, tickets, retries
    AUDIT = "audit"  # read the audit log
    ADMIN = "admin"  # manage operators
    #: Choose which template carries each notice kind, and send a test: what every student's phone
    #: shows depends on it, so it is not an everyday operator's action.
    TEMPLATES = "templates"


ROLES: dict[str, frozenset[Perm]] = {
    "super-admin": frozenset({Perm.VIEW, Perm.ACT, Perm.AUDIT, Perm.ADMIN, Perm.TEMPLATES}),
    "operator": frozenset({Perm.VIEW, Perm.ACT}),
    # Read-only: sees everything, changes nothing.
    "auditor": frozenset({Perm.VIEW, Perm.AUDIT}),
}

ROLE_LABELS = {"super-admin": "超级管理员", "operator": "操作员", "auditor": "审计员（只读）"}


def allowed(role: str, perm: Perm) -> bool:
    return perm is Perm.PUBLIC or perm in ROLES.get(role, frozenset())
