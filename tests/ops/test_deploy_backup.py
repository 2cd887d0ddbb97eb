"""A backup brings the data back: `onecard backup` of a migrated PostgreSQL database holding a binding
and an order, restored as docs/production.md says (pg_restore into a fresh database, then
`onecard db upgrade`), holds the same rows.

PostgreSQL in every test configuration (ONECARD_TEST_POSTGRES_URL): a backup is of PostgreSQL only.
Named `test_deploy_*`, so the matrix runs it once, not once per backend.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from onecard.backup import libpq_environment
from store.db import make_engine
from store.migrate import upgrade
from store.tables import Binding, MoneyOrder
from tests.backends import private_database
from tests.ops.deploy import onecard
from tests.ops.tools import postgres_server, tool

NOW = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)


def _rows(url: str) -> tuple[list[tuple[str, str]], list[tuple[str, int, str]]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            bindings = [(b.openid, b.student_no) for b in session.scalars(select(Binding))]
            orders = [(o.order_no, o.amount_fen, o.status) for o in session.scalars(select(MoneyOrder))]
    finally:
        engine.dispose()
    return bindings, orders


def test_a_restored_backup_holds_the_bindings_and_orders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = postgres_server()
    pg_restore = tool("pg_restore")
    tool("pg_dump")
    backups = tmp_path / "backups"
    with private_database(tmp_path, "live", server=server) as live:
        upgrade(live)
        engine = make_engine(live)
        with Session(engine) as session, session.begin():
            session.add(Binding(openid="o-backup", student_no="2026000001", name="张三", phone="13800000000"))
            session.add(MoneyOrder(order_no="T20261201000001", kind="topup", openid="o-backup",
                                   student_no="2026000001", amount_fen=5000, status="done",
                                   expires_at=NOW + timedelta(minutes=5)))
        engine.dispose()
        expected = _rows(live)
        monkeypatch.setenv("ONECARD_DATABASE_URL", live)
        monkeypatch.setenv("ONECARD_DATA_DIR", str(tmp_path / "data"))
        assert onecard("backup", "--output", str(backups), "--keep", "2") == 0
    (dump,) = backups.glob("onecard-*.dump")
    assert dump.stat().st_mode & 0o777 == 0o600

    with private_database(tmp_path, "restored", server=server) as fresh:
        env = {**os.environ, **libpq_environment(fresh)}
        subprocess.run([pg_restore, "--no-owner", "--exit-on-error", "--dbname", env["PGDATABASE"], str(dump)],
                       env=env, check=True, timeout=120)
        upgrade(fresh)  # a dump of an older release is brought to this one's schema
        assert _rows(fresh) == expected and expected[0] and expected[1]


def test_the_newest_dumps_are_kept_and_a_dump_cut_short_is_never_one(tmp_path: Path) -> None:
    from onecard.backup import backup

    server = postgres_server()
    tool("pg_dump")
    with private_database(tmp_path, "kept", server=server) as url:
        (tmp_path / "onecard-20261130T193000Z.dump.partial").write_bytes(b"cut short")
        for day in range(3):
            backup(url, tmp_path, keep=2, now=NOW + timedelta(days=day))
    assert sorted(p.name for p in tmp_path.glob("onecard-*.dump")) == [
        "onecard-20261202T193000Z.dump", "onecard-20261203T193000Z.dump"]


def test_a_backup_of_sqlite_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ONECARD_DATABASE_URL", f"sqlite:///{tmp_path / 'onecard.db'}")
    assert onecard("backup", "--output", str(tmp_path / "backups")) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import onecard.backup

    seen: list[tuple[list[str], dict[str, str]]] = []

    def pg_dump(argv: list[str], env: dict[str, str], check: bool) -> None:
        seen.append((argv, env))
        Path(argv[argv.index("--file") + 1]).write_bytes(b"PGDMP")

    monkeypatch.setattr(onecard.backup.subprocess, "run", pg_dump)
    url = "postgresql+psycopg://onecard:s%40cret@db.internal:6543/onecard?sslmode=require"
    onecard.backup.backup(url, tmp_path, keep=1, now=NOW)
    ((argv, env),) = seen
    assert "s@cret" not in " ".join(argv) and env["PGPASSWORD"] == "s@cret"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.internal", "6543", "onecard", "onecard", "require")
