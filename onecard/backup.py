"""`onecard backup`: the PostgreSQL database in pg_dump's custom format, the newest N kept.

It earns its place over a line of shell in the timer: the database URL is onecard's own (a
SQLAlchemy URL, perhaps `postgresql+psycopg://`), which pg_dump does not read, and its password
must not go on a command line every user of the machine can see; a dump is named only once it is
complete, so a dump cut short is never taken for a backup; and retention counts only whole dumps.
Restoring is a person's decision, so it is a procedure (docs/production.md), not a command.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

PREFIX, SUFFIX = "onecard-", ".dump"


def libpq_environment(database_url: str) -> dict[str, str]:
    """The PG* variables pg_dump and pg_restore read: host, port, user, password, database."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"onecard backup is for PostgreSQL; this database is {url.drivername}")
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
             "PGDATABASE": url.database, "PGSSLMODE": url.query.get("sslmode")}
    return {name: str(value) for name, value in parts.items() if value is not None}


def backup(database_url: str, folder: Path, keep: int, now: datetime | None = None) -> Path:
    """Dump the database into `folder` and delete all but the newest `keep` dumps; the new dump's path."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    final = folder / f"{PREFIX}{stamp}{SUFFIX}"
    partial = final.with_name(final.name + ".partial")
    env = {**os.environ, **libpq_environment(database_url)}
    subprocess.run(["pg_dump", "--format=custom", "--file", str(partial)], env=env, check=True)
    partial.chmod(0o600)
    partial.rename(final)
    for old in sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))[:-keep]:
        old.unlink()
    return final
