"""The store's database: which one a URL names, how its engine is set up, its connections.

SQLite (a file, the default) or PostgreSQL (by URL, through psycopg 3). Every connection of
the store comes from :class:`StoreCore`: :meth:`~StoreCore.writing` for a write transaction,
:meth:`~StoreCore.reading` for a read one. A write is marked with :data:`WRITE_OPTION`, which
SQLite turns into ``BEGIN IMMEDIATE`` (see :func:`create_engine`); the migrations mark theirs
the same way. Times are stored as naive UTC (:func:`utcnow`, :func:`naive_utc`) and handed
out aware (:func:`aware`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from migstat.i18n import N_
from migstat.model.findings import MigstatError, NotFoundError
from migstat.model.registry import Registry, default_registry
from migstat.store.access import AccessPolicy

DEFAULT_SQLITE_FILE = "migstat.db"
ENV_URL = "MIGSTAT_DATABASE_URL"
WRITE_OPTION = "migstat_write"
"""The execution option that marks a connection's transaction as a write (see
:meth:`StoreCore.writing`): SQLite begins it with ``BEGIN IMMEDIATE``."""


class StoreError(MigstatError):
    """The database cannot be opened or written."""


# -- conventions shared by the write and the read side --------------------------------------


def utcnow() -> datetime:
    """Now, as the store records it: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """A naive UTC datetime; a naive input is taken to be UTC already."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def aware(moment: datetime) -> datetime:
    """A stored (naive UTC) time as handed out: aware, in UTC."""
    return moment.replace(tzinfo=UTC)


def error_reason(exc: BaseException) -> str:
    """A one-line reason from a driver or SQLAlchemy error, without SQL or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- the database ----------------------------------------------------------------------------


def resolve_url(url: str | None = None) -> URL:
    """The SQLAlchemy URL for ``url``, ``MIGSTAT_DATABASE_URL`` or ``./migstat.db``.

    A plain path (no ``://``) is a SQLite file; ``postgresql://`` and ``postgres://`` use
    psycopg 3.
    """
    text = url if url else os.environ.get(ENV_URL) or DEFAULT_SQLITE_FILE
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise StoreError(N_("Not a database URL: {url}"), url=_mask_text(text)) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            N_("Unsupported database {url}: use a SQLite file or a PostgreSQL URL."),
            url=parsed.render_as_string(hide_password=True),
        )
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=str(Path(parsed.database).expanduser().resolve()))
    return parsed


def _mask_text(text: str) -> str:
    """Hide a password in something that looks like ``scheme://user:password@host``."""
    head, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    creds, at, tail = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{head}://{user}{':***' if ':' in creds else ''}{at}{tail}"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)


def create_engine(url: URL) -> Engine:
    """The engine of the store at ``url`` (a URL from :func:`resolve_url`).

    SQLite: foreign keys on, a 30 s busy timeout, write-ahead log (for a file), full
    synchronous commits, and transactions begun by hand so that a write (:data:`WRITE_OPTION`)
    begins with ``BEGIN IMMEDIATE``. PostgreSQL: connections checked before use.
    """
    if url.get_backend_name() == "sqlite":
        memory = not url.database or url.database == ":memory:"
        options: dict[str, Any] = {"poolclass": sa.pool.StaticPool} if memory else {}
        engine = sa.create_engine(
            url,
            json_serializer=_dumps,
            connect_args={"timeout": 30, "check_same_thread": False},
            **options,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun explicitly below
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA busy_timeout = 30000")
            if not memory:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A writer takes the write lock at once, so it waits (busy_timeout) instead of
            # failing when it upgrades from reading to writing.
            write = conn.get_execution_options().get(WRITE_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(url, json_serializer=_dumps, pool_pre_ping=True)


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """``conn`` marked as a writer (:data:`WRITE_OPTION`), in a transaction begun now."""
    conn = conn.execution_options(**{WRITE_OPTION: True})
    with conn.begin():
        yield conn


# -- what every part of the store stands on --------------------------------------------------


class StoreCore:
    """An opened store's engine, registry and access policy, and its connections.

    :class:`~migstat.store.store.Store` is built on this; the parts that write and read
    (:mod:`migstat.store.write`, :mod:`migstat.store.read`,
    :mod:`migstat.store.submissions`) reach the database only through :meth:`writing` and
    :meth:`reading`.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        registry: Registry | None = None,
        policy: AccessPolicy | None = None,
    ) -> None:
        self._engine = engine
        self._registry = registry
        self.policy = policy or AccessPolicy()

    @property
    def url(self) -> str:
        """The database URL, with any password masked (for showing)."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = default_registry()
        return self._registry

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in one write transaction: committed when the block ends, rolled
        back (nothing written) when it raises or the process dies inside it.

        Every write to the store goes through here, so that it is marked as a write
        (:data:`WRITE_OPTION`): on SQLite the transaction then begins with ``BEGIN
        IMMEDIATE`` and takes the write lock at once, so a second writer waits
        (``busy_timeout``) instead of failing with "database is locked" when its read
        transaction would have to become a write one. PostgreSQL ignores the mark: a
        transaction there takes its locks as it writes.
        """
        with self._engine.connect() as conn, write_transaction(conn) as marked:
            yield marked

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in one transaction for reading: not marked as a write, so on SQLite
        it never waits for, nor holds, the write lock."""
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def _table_id(self, table: str) -> str:
        """The registry's id of ``table`` (the name as given when the registry has none)."""
        try:
            return self.registry.table(table).id
        except NotFoundError:
            return table
