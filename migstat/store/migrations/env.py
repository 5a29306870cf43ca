"""Alembic environment for the store: uses a connection handed over by migstat, or a URL."""

from __future__ import annotations

from alembic import context

from migstat.store.schema import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str | None:
    return config.get_main_option("sqlalchemy.url") or None


if context.is_offline_mode():
    from migstat.store.engine import resolve_url

    context.configure(
        url=resolve_url(_url()),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        from migstat.store.engine import create_engine, resolve_url, write_transaction

        engine = create_engine(resolve_url(_url()))
        try:
            with engine.connect() as conn, write_transaction(conn) as writer:
                _run(writer)
        finally:
            engine.dispose()
