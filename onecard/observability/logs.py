"""Structured logs with personal data masked, whatever a message happens to contain."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_STUDENT_NO = re.compile(r"(?<![\d*])(\d{2})\d{4}(\d{2})(?![\d*])")


def mask(text: str) -> str:
    """Phones become 138****0001, 8-digit student numbers 20****01."""
    return _STUDENT_NO.sub(r"\1****\2", _PHONE.sub(r"\1****\2", text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr: onecard's own loggers (`onecard.*`) at `level` (`ONECARD_LOG_LEVEL`),
    the libraries' at INFO, so DEBUG shows the routine (a scheduler's claims) without their noise."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel("INFO")
    logging.getLogger("onecard").setLevel(level)
