"""Who handles a command: each handler declares it with `@handles(Command)`, or with
`@handles_bound(Command)` when it serves only a user who has bound a card, and this is the one place
that records it. A second handler for the same command is an error at import, not a silent
replacement, so a search for a command's name finds its one handler.

The registry imports no topic: `workers.topics.all_handlers()` imports them all and returns
`registered()`, so a topic module can import this one without a cycle.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from events.commands import Command
from store.tables import Binding
from workers.runtime.turn import Handler, Turn

C = TypeVar("C", bound=Command)

#: What a user who has bound no card hears from a function that needs one.
NOT_BOUND = "您还未绑定校园卡。请发送“绑定 学号”，例如：绑定 20240001"

_HANDLERS: dict[type[Command], Callable[[Any, Turn], None]] = {}


def _register(command: type[Command], handler: Callable[[Any, Turn], None]) -> None:
    if command in _HANDLERS:
        taken = _HANDLERS[command]
        raise ValueError(f"{command.__name__} is already handled by {taken.__module__}.{taken.__qualname__}")
    _HANDLERS[command] = handler


def handles(command: type[C]) -> Callable[[Callable[[C, Turn], None]], Callable[[C, Turn], None]]:
    """Register the decorated function as the handler of `command`."""

    def register(handler: Callable[[C, Turn], None]) -> Callable[[C, Turn], None]:
        _register(command, handler)
        return handler

    return register


def handles_bound(command: type[C]) -> Callable[[Callable[[C, Turn, Binding], None]], Callable[[C, Turn], None]]:
    """Register the decorated function as the handler of `command` for bound users only.

    The handler gets the user's binding as its third argument; a user without one hears
    `NOT_BOUND` instead, here, so no handler repeats the check. The decorated name is what the
    registry runs (the guard included): calling it directly behaves as a dispatched turn does.
    """

    def register(handler: Callable[[C, Turn, Binding], None]) -> Callable[[C, Turn], None]:
        @functools.wraps(handler)
        def guarded(cmd: C, turn: Turn) -> None:
            binding = _binding_or_explain(turn)
            if binding is not None:
                handler(cmd, turn, binding)

        _register(command, guarded)
        return guarded

    return register


def _binding_or_explain(turn: Turn) -> Binding | None:
    """The user's binding; if there is none, tell them how to bind."""
    binding = turn.session.get(Binding, turn.openid)
    if binding is None:
        turn.say(NOT_BOUND)
    return binding


def registered() -> Mapping[type[Command], Handler]:
    """The handlers registered so far: complete once every topic module is imported
    (`workers.topics.all_handlers`)."""
    return MappingProxyType(_HANDLERS)
