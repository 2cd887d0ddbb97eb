"""Which database and broker the suite runs against, and a private corner of each for one run.

`ONECARD_TEST_DATABASE_URL` / `ONECARD_TEST_BROKER_URL` choose PostgreSQL, Redis or RabbitMQ;
unset means the embedded default (SQLite in a temporary folder, an embedded Redis). A server that
is configured but unreachable is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

RUN_ID = uuid.uuid4().hex[:8]


def configured_database_url() -> str | None:
    return os.environ.get("ONECARD_TEST_DATABASE_URL") or None


def configured_broker_url() -> str | None:
    return os.environ.get("ONECARD_TEST_BROKER_URL") or None


@contextmanager
def private_database(tmp: Path, name: str = "main", server: str | None = None) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the configured PostgreSQL (or
    on `server`, for a test that needs PostgreSQL in every configuration)."""
    server = server or configured_database_url()
    if server is None:
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    db_name = f"onecard_test_{RUN_ID}_{name}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield url.set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
            ), {"d": db_name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}"'))
        admin.dispose()


@contextmanager
def private_broker(tmp: Path) -> Iterator[tuple[str, str, list[Any]]]:
    """(broker URL, namespace, keepalive): an embedded Redis, or the configured server."""
    server = configured_broker_url()
    namespace = f"onecard-test-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    if server is None:
        from onecard.embedded import socket_url, start_embedded_redis, stop_embedded_redis

        redis = start_embedded_redis(tmp / "redis" / "redis.db")
        try:
            yield socket_url(redis), namespace, [redis]
        finally:
            stop_embedded_redis(redis)
        return
    if server.startswith("amqp"):
        from tests.rabbit import private_vhost

        with private_vhost(server, namespace) as url:
            yield url, namespace, []
        return
    yield server, namespace, []
