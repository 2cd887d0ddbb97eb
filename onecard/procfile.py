"""The Procfile, read by `onecard run` so that the embedded platform runs what production runs."""

from __future__ import annotations

from pathlib import Path

from honcho.environ import parse_procfile

PROCFILE = Path(__file__).resolve().parent.parent / "Procfile"


def processes(path: Path = PROCFILE) -> dict[str, str]:
    """name -> command, in the Procfile's order."""
    return dict(parse_procfile(path.read_text()).processes)
