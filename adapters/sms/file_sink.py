"""The `file` SMS backend: one JSON line per SMS, for development and the simulators."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path


class FileSms:
    """Appends `{"phone": …, "text": …}` to a JSON-lines file that a person (or a test) reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"phone": phone, "text": text}, ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as sink:
            # Several worker processes append to the same file: one whole line each.
            fcntl.flock(sink, fcntl.LOCK_EX)
            try:
                sink.write(line)
                sink.flush()
            finally:
                fcntl.flock(sink, fcntl.LOCK_UN)

    def read(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as sink:
            return [json.loads(line) for line in sink if line.strip()]
