"""Schema migrations: ``alembic upgrade head`` run from Python when a store is opened.

The migration scripts live in ``migstat/store/migrations`` (shipped as package data). For
writing a new one by hand::

    alembic -c migstat/store/migrations/alembic.ini revision --autogenerate -m "what"

which compares :mod:`migstat.store.schema` with the database named by
``MIGSTAT_DATABASE_URL`` (or ``./migstat.db``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from migstat.store.engine import write_transaction

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x6D696773  # pg_advisory_xact_lock key held while migrating


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` (in one transaction; a no-op when it is there)."""
    head = head_revision() if revision == "head" else revision
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
        conn.rollback()
        with write_transaction(conn) as writer:
            if writer.dialect.name == "postgresql":
                writer.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            command.upgrade(alembic_config(writer), revision)
