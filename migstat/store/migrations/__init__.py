"""Alembic migrations of the store (run by :func:`migstat.store.migrate.upgrade`)."""
