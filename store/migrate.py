"""Alembic driven from code, so `onecard db upgrade` needs no alembic.ini in the working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """A config naming our migrations and the database; `%` escaped, as Alembic's ini syntax needs."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; safe to run again on an up-to-date database."""
    command.upgrade(alembic_config(url), revision)



def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head() -> str:
    """The newest migration of this release."""
    return str(_script().get_current_head())


def current(engine: Engine) -> str | None:
    """The migration the database at `engine` is at; None for a database never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def behind(revision: str | None) -> int | None:
    """How many migrations a database at `revision` lacks; None for a revision this release does not
    know (a database migrated by a newer release, or another application's)."""
    script = _script()
    try:
        steps = list(script.iterate_revisions(script.get_current_head(), revision or "base"))
    except (CommandError, ResolutionError):
        return None
    return len(steps)
