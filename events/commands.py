"""Commands a user's message or click asks for. Frozen, small, safe to rebuild from the inbox."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command."""


@dataclass(frozen=True, slots=True)
class StartBind(Command):
    student_no: str


@dataclass(frozen=True, slots=True)
class VerifyCode(Command):
    code: str


@dataclass(frozen=True, slots=True)
class Unbind(Command):
    pass


@dataclass(frozen=True, slots=True)
class QueryBalance(Command):
    pass


@dataclass(frozen=True, slots=True)
class Help(Command):
    #: True when the user sent something we did not understand.
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class Welcome(Command):
    pass


@dataclass(frozen=True, slots=True)
class Unsubscribed(Command):
    pass


@dataclass(frozen=True, slots=True)
class Unsupported(Command):
    msg_type: str
