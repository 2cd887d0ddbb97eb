"""Alembic environment: `store.migrate` always passes the database URL in and always migrates
online (there is no alembic.ini and no `--sql` mode to serve)."""

from __future__ import annotations

from alembic import context

from store.db import make_engine
from store.tables import Base


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: run the migrations through store.migrate.upgrade")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations()
