"""The append-only store: submissions are vintages, revisions supersede without deleting.

A submission is stored in one database transaction, raw file first; the observations belong to
*slices* ``(table, provider, ref_area, time_period)``. Current data is, for each slice key and
breakdown (``slice.breakdown``: which dimensions a publisher's edition breaks down, ``""`` for
all other submissions), the latest slice of a submission that the reader may see as data
(accepted today), recorded at or before ``as_of``; a cell that two current breakdowns both hold
is read from the newer. Every read asks :class:`~migstat.store.access.AccessPolicy` what is
visible.

:class:`Store` is opened here and built from the store's parts, one module each:

- :mod:`migstat.store.engine`: the URL, the engine and the connections
  (:meth:`Store.writing`, :meth:`Store.reading`), the one way into the database;
- :mod:`migstat.store.write`: :meth:`Store.submit`, the write path;
- :mod:`migstat.store.submissions`: the records, findings, raw files and metadata of
  submissions;
- :mod:`migstat.store.read`: observations (:meth:`Store.read`, :meth:`Store.read_columns`),
  :meth:`Store.history`, :meth:`Store.previous` and :meth:`Store.coverage`;
- :mod:`migstat.store.releases`: the version of what release states make visible (caches
  key on it) and the release calendar.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

from migstat.i18n import N_
from migstat.model.registry import Registry
from migstat.store.access import AccessPolicy
from migstat.store.engine import StoreError, create_engine, error_reason, resolve_url
from migstat.store.read import StoreReads
from migstat.store.releases import StoreReleases
from migstat.store.write import StoreWrites

__all__ = ["Store", "StoreError", "resolve_url"]


class Store(StoreWrites, StoreReads, StoreReleases):
    """An opened store. Use :meth:`open`; close it (or use it as a context manager)."""

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        registry: Registry | None = None,
        policy: AccessPolicy | None = None,
        migrate: bool = True,
    ) -> Store:
        """Open (and create or upgrade to the current schema) the store at ``url``.

        ``None`` means ``MIGSTAT_DATABASE_URL``, else the SQLite file ``migstat.db`` in the
        current directory. A database that cannot be opened raises :class:`StoreError`
        naming the URL with its password masked.
        """
        parsed = resolve_url(url)
        shown = parsed.render_as_string(hide_password=True)
        try:
            engine = create_engine(parsed)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise StoreError(
                N_(
                    "Cannot open the database {url}: the driver is not installed "
                    "(pip install 'migstat[postgres]' for PostgreSQL)."
                ),
                url=shown,
            ) from exc
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            if migrate:
                from migstat.store.migrate import upgrade

                upgrade(engine)
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise StoreError(
                N_("Cannot open the database {url}: {reason}"), url=shown, reason=error_reason(exc)
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, registry=registry, policy=policy)
