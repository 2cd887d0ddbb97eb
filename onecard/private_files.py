"""The data folder is its owner's alone: the SQLite database, the embedded Redis's files, the SMS
sink (bind codes), the demo password and the metrics files hold personal data or secrets.

Every `onecard` process creates files with umask 077 (0600 files, 0700 folders); `onecard run`
also takes group and other access from what an older release left behind.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def create_private_files() -> None:
    """From now on this process (and what it starts) creates files only its user can read."""
    os.umask(OWNER_ONLY_UMASK)


def tighten(folder: Path) -> None:
    """The folder 0700 and everything in it without group or other bits (links left alone)."""
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
