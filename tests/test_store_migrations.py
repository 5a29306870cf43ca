"""The Alembic migrations build exactly the schema of migstat.store.schema, on both databases."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from migstat.store import Store
from migstat.store.migrate import MIGRATIONS, head_revision
from migstat.store.schema import metadata


def test_migrations_match_schema(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == head_revision()
        tables = set(sa.inspect(conn).get_table_names())
    assert tables == {*metadata.tables, "alembic_version"}


def test_reopening_is_harmless(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.submit(_one(), b"raw", findings=[])
    with Store.open(db_url) as store:
        assert len(store.submissions()) == 1


def test_migrations_are_shipped() -> None:
    names = {p.name for p in MIGRATIONS.iterdir()}
    assert {"env.py", "script.py.mako", "alembic.ini", "versions"} <= names
    assert (MIGRATIONS / "versions" / "0001_initial.py").exists()
    assert Path(MIGRATIONS / "__init__.py").exists()


def _one():
    from migstat.model import Dataset, Observation

    return Dataset(
        "kgz.csv",
        "csv",
        "KGZ",
        [Observation("F01", "KGZ", "2020", ("RUS", "LT", "_T", "_T"), 1_398.0)],
    )
