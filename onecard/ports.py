"""Is every port a command will listen on free, before anything starts?

A port already taken used to surface as uvicorn's bare "Address already in use" (or, under `make run`,
a simulator thread that never came up and every process stopped), naming neither the port nor the
setting that moves it. Each command now checks its ports first and, if one is taken, says which and
how to move it, starting nothing.
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass

#: What a command exits with when it cannot start for its configuration (as for a port clash).
EXIT_CONFIG = 2


@dataclass(frozen=True)
class Listener:
    """One socket a command will bind, and the setting (or option) that chooses its port."""

    host: str
    port: int
    setting: str


def problems(listeners: Sequence[Listener]) -> list[str]:
    """A line per port that cannot be had — two listeners on one, or one another program holds — in
    Chinese and English."""
    found: list[str] = []
    seen: dict[int, Listener] = {}
    for listener in listeners:
        if listener.port in seen:
            first = seen[listener.port]
            found.append(f"端口 {listener.port} 被 {first.setting} 和 {listener.setting} 同时使用，请改其中一个"
                         f" / port {listener.port} is set by both {first.setting} and {listener.setting}")
            continue
        seen[listener.port] = listener
        if taken(listener):
            found.append(f"端口 {listener.port} 已被占用（{listener.setting} 可改）"
                         f" / port {listener.port} on {listener.host} is already in use: set {listener.setting}"
                         " to another port, or stop the program using it")
    return found


def taken(listener: Listener) -> bool:
    """Try the bind the server will do (uvicorn sets SO_REUSEADDR too), and let go at once."""
    family, kind, proto, _, address = socket.getaddrinfo(listener.host or None, listener.port,
                                                         type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def refuse_taken(listeners: Sequence[Listener]) -> bool:
    """Print what is wrong with the ports to stderr; True if the command must not start."""
    found = problems(listeners)
    for line in found:
        print(line, file=sys.stderr)
    return bool(found)
