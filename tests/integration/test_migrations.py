"""The models and the migrations agree: autogenerate against a freshly migrated database finds nothing.

Runs on SQLite in the embedded configuration and on PostgreSQL in the others.
"""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from store.db import make_engine
from store.migrate import upgrade
from store.tables import Base
from tests.backends import private_database


def test_the_migrations_build_exactly_the_schema_the_models_describe(tmp_path: Path) -> None:
    with private_database(tmp_path, "migrations") as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                                 "compare_server_default": True})
                diff = compare_metadata(context, Base.metadata)
                tables = set(inspect(conn).get_table_names())
        finally:
            engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration:\n{diff}"
    assert set(Base.metadata.tables) <= tables


def test_upgrading_an_up_to_date_database_again_changes_nothing(tmp_path: Path) -> None:
    with private_database(tmp_path, "reupgrade") as url:
        upgrade(url)
        upgrade(url)  # `onecard db upgrade` on every deploy must be safe
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                heads = MigrationContext.configure(conn).get_current_heads()
        finally:
            engine.dispose()
    assert len(heads) == 1
