"""Who handles a command: each handler declares it with `@handles(Command)`, and this is the one
place that records it. A second handler for the same command is an error at import, not a silent
replacement, so a search for a command's name finds its one handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from events.commands import Command
from workers.runtime.turn import Handler, Turn

C = TypeVar("C", bound=Command)

_HANDLERS: dict[type[Command], Callable[[Any, Turn], None]] = {}


def handles(command: type[C]) -> Callable[[Callable[[C, Turn], None]], Callable[[C, Turn], None]]:
    """Register the decorated function as the handler of `command`."""

    def register(handler: Callable[[C, Turn], None]) -> Callable[[C, Turn], None]:
        if command in _HANDLERS:
            taken = _HANDLERS[command]
            raise ValueError(f"{command.__name__} is already handled by {taken.__module__}.{taken.__qualname__}")
        _HANDLERS[command] = handler
        return handler

    return register


def handlers() -> Mapping[type[Command], Handler]:
    """Every registered handler, once every topic module has been imported."""
    import workers.topics  # noqa: F401  (importing the package imports every topic module)

    return MappingProxyType(_HANDLERS)
