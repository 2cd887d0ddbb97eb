"""`onecard conformance` run in-process for its tests, against bridges served on local ports."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

from adapters.sim.server import Simulators, build_simulators
from onecard.cli import parser
from onecard.serve import ServerThread

#: The secret the card simulators sign their webhook with, as a school configures it.
SECRET = "conformance-test-secret"
HOLDER, CARD = "20240001", "6100100001"
#: Where each system is mounted on the simulators' server.
PREFIX = {"card-system": "card", "fees": "fees", "campus-data": "campus", "bank": "bank", "sms": "sms"}


@contextlib.contextmanager
def served_simulators(tmp: Path) -> Iterator[tuple[Simulators, str]]:
    """Our simulators on a free port, the card system's webhook configured with SECRET."""
    sims = build_simulators("wxconformance", "secret", tmp / "sms.jsonl")
    server = ServerThread(sims.app()).start()
    sims.card.webhook.connect("http://127.0.0.1:9/unused", SECRET)
    try:
        yield sims, server.url
    finally:
        server.stop()


def conformance(*argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `onecard conformance ARGV`."""
    out, err = io.StringIO(), io.StringIO()
    args = parser().parse_args(["conformance", *argv])
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = int(args.func(args))
    return code, out.getvalue(), err.getvalue()
