"""The append-only store: submissions are vintages, revisions supersede without deleting.

A submission is stored in one database transaction, raw file first; the observations belong to
*slices* ``(table, provider, ref_area, time_period)``. Current data is, for each slice key,
the latest slice of a submission that the reader may see as data (accepted today), recorded at
or before ``as_of``. Every read asks :class:`~migstat.store.access.AccessPolicy` what is
visible.

Observations come out one named tuple each (:meth:`Store.read`) or column by column for bulk
work (:meth:`Store.read_columns`); both share one plan (:meth:`Store._plan`: the policy's
clauses, the current slices, as-of) and one fetch (:meth:`Store._slice_rows`), so they cannot
disagree on what is visible.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import compress, groupby, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.engine.cursor import CursorFetchStrategy
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from migstat.i18n import N_
from migstat.model.data import Dataset
from migstat.model.findings import Finding, MigstatError, NotFoundError
from migstat.model.registry import Registry, default_registry
from migstat.store import schema as S
from migstat.store.access import (
    ACCEPTED,
    ANONYMOUS,
    REJECTED,
    AccessPolicy,
    Principal,
)
from migstat.store.records import ObservationQuery, StoredObservation, SubmissionRecord

DEFAULT_SQLITE_FILE = "migstat.db"
ENV_URL = "MIGSTAT_DATABASE_URL"
BATCH = 10_000
"""Observations per executemany batch (and per progress call)."""
READ_CHUNK_ROWS = 50_000
"""Roughly how many observations one read query fetches at a time."""
WRITE_OPTION = "migstat_write"
"""The execution option that marks a connection's transaction as a write (see
:meth:`Store.writing`): SQLite begins it with ``BEGIN IMMEDIATE``."""
OBSERVATION_COLUMNS: tuple[str, ...] = StoredObservation._fields
"""The fields of a stored observation, the columns :meth:`Store.read_columns` can return."""
_SLICE_FIELDS = frozenset(("table", "provider", "ref_area", "time_period", "submission_id",
                           "recorded_at", "synthetic"))
_ROW_FIELDS = ("key", "partner", "value", "obs_status", "conf_status", "comment")
"""The fields of an observation stored per row."""


class StoreError(MigstatError):
    """The database cannot be opened or written."""


# -- helpers ---------------------------------------------------------------------------------

def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime) -> datetime:
    """A naive UTC datetime; a naive input is taken to be UTC already."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _clean_text(value: str | None) -> str | None:
    """Text as PostgreSQL accepts it (no NUL characters); ``None`` stays ``None``."""
    if value is None:
        return None
    value = str(value)
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _jsonable(value: Any) -> Any:
    """JSON that both databases accept: no NaN or infinity, no NUL, plain containers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _clean_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dict):
        return {str(_clean_text(str(k))): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return _clean_text(str(value))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)


def _join_key(key: Sequence[str]) -> str:
    return S.KEY_SEPARATOR.join(str(c) for c in key)


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(text.split(S.KEY_SEPARATOR)) if text else ()


def _reason(exc: BaseException) -> str:
    """A one-line reason from a driver or SQLAlchemy error, without SQL or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
            url=parsed.render_as_string(hide_password=True))
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


# -- the store -------------------------------------------------------------------------------

class Store:
    """An opened store. Use :meth:`open`; close it (or use it as a context manager)."""

    def __init__(self, engine: Engine, *, registry: Registry | None = None,
                 policy: AccessPolicy | None = None) -> None:
        self._engine = engine
        self._registry = registry
        self.policy = policy or AccessPolicy()

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, registry: Registry | None = None,
             policy: AccessPolicy | None = None, migrate: bool = True) -> Store:
        """Open (and create or upgrade to the current schema) the store at ``url``.

        ``None`` means ``MIGSTAT_DATABASE_URL``, else the SQLite file ``migstat.db`` in the
        current directory. A database that cannot be opened raises :class:`StoreError`
        naming the URL with its password masked.
        """
        parsed = resolve_url(url)
        shown = parsed.render_as_string(hide_password=True)
        try:
            engine = _create_engine(parsed)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise StoreError(
                N_("Cannot open the database {url}: the driver is not installed "
                   "(pip install 'migstat[postgres]' for PostgreSQL)."), url=shown) from exc
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            if migrate:
                from migstat.store.migrate import upgrade

                upgrade(engine)
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise StoreError(N_("Cannot open the database {url}: {reason}"),
                             url=shown, reason=_reason(exc)) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, registry=registry, policy=policy)

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

    def __enter__(self) -> Store:
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
        with self._engine.connect() as conn:
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in one transaction for reading: not marked as a write, so on SQLite
        it never waits for, nor holds, the write lock."""
        with self._engine.connect() as conn, conn.begin():
            yield conn

    # -- writing -----------------------------------------------------------------------------
    def submit(self, dataset: Dataset, raw: bytes, *, findings: Iterable[Finding],
               submitted_by: str = "cli", accepted: bool | None = None,
               note: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> SubmissionRecord:
        """Store one submission as a new vintage, in one transaction; return its record.

        ``findings`` are stored with it; findings made while reading (``dataset.findings``)
        are added unless the same objects are already in ``findings``. ``accepted=None``
        accepts the submission iff no finding is an error. A rejected submission is stored
        all the same, but its observations are never current data. ``progress(done, total)``
        is called after each batch of observations.
        """
        found = list(findings)
        seen = {id(f) for f in found}
        found.extend(f for f in dataset.findings if id(f) not in seen)
        severities = [str(getattr(f, "severity", "")) for f in found]
        n_errors = severities.count("error")
        n_warnings = severities.count("warning")
        if accepted is None:
            accepted = n_errors == 0
        status = ACCEPTED if accepted else REJECTED
        raw = bytes(raw)
        digest = hashlib.sha256(raw).hexdigest()
        observations = dataset.observations
        total = len(observations)
        provider = _clean_text(dataset.provider) or ""
        tables = dataset.tables
        partner_at = {t: self._partner_index(t) for t in tables}

        slice_of: dict[tuple[str, str, str], int] = {}
        counts: list[int] = []
        for obs in observations:
            skey = (obs.table, obs.ref_area, obs.time_period)
            index = slice_of.get(skey)
            if index is None:
                index = slice_of[skey] = len(counts)
                counts.append(0)
            counts[index] += 1

        meta = dataset.metadata
        started = _utcnow()
        try:
            with self.writing() as conn:
                # 1. the bytes as received, content-addressed: always the first insert
                conn.execute(
                    self._insert_ignore(S.raw_file, "sha256"),
                    {"sha256": digest, "size": len(raw), "content": raw, "stored_at": started})
                # 2. the submission
                submission_id = conn.execute(
                    sa.insert(S.submission).returning(S.submission.c.id),
                    {
                        "provider": provider,
                        "country": _clean_text(meta.country),
                        "file_name": _clean_text(dataset.file_name) or "",
                        "format": _clean_text(dataset.format) or "",
                        "sha256": digest,
                        "size": len(raw),
                        "submitted_at": started,
                        "submitted_by": _clean_text(submitted_by) or "",
                        "status": status,
                        "embargo_until": None,
                        "synthetic": bool(dataset.synthetic),
                        "note": _clean_text(note),
                        "n_observations": total,
                        "n_errors": n_errors,
                        "n_warnings": n_warnings,
                        "tables": _jsonable(tables),
                        "meta": _jsonable(meta.to_dict()),
                        "provenance": (_jsonable(dataset.provenance.to_dict())
                                       if dataset.provenance else None),
                    },
                ).scalar_one()
                # 3. per-table metadata
                if meta.tables:
                    conn.execute(sa.insert(S.table_metadata), [
                        {"submission_id": submission_id, "table_id": _clean_text(t),
                         "meta": _jsonable(m.to_dict())}
                        for t, m in meta.tables.items()])
                # 4. findings
                if found:
                    conn.execute(sa.insert(S.finding),
                                 [self._finding_row(submission_id, f) for f in found])
                # 5. slices
                slice_ids: list[int] = []
                if slice_of:
                    rows = [
                        {"submission_id": submission_id, "table_id": _clean_text(t),
                         "provider": provider, "ref_area": _clean_text(a),
                         "time_period": _clean_text(p), "recorded_at": started,
                         "n_observations": counts[i]}
                        for (t, a, p), i in slice_of.items()]
                    result = conn.execute(
                        sa.insert(S.slice_).returning(S.slice_.c.id,
                                                      sort_by_parameter_order=True), rows)
                    slice_ids = [row[0] for row in result]
                # 6. observations, in batches
                self._insert_observations(conn, observations, slice_of, slice_ids, partner_at,
                                          progress)
                # 7. the time of the vintage: when it was complete, never before an earlier one
                latest = conn.execute(sa.select(sa.func.max(S.submission.c.submitted_at)).where(
                    S.submission.c.id != submission_id)).scalar()
                moment = _utcnow()
                if latest is not None and moment <= latest:
                    moment = latest + timedelta(microseconds=1)
                conn.execute(sa.update(S.submission).where(S.submission.c.id == submission_id)
                             .values(submitted_at=moment))
                conn.execute(sa.update(S.slice_).where(S.slice_.c.submission_id == submission_id)
                             .values(recorded_at=moment))
        except SQLAlchemyError as exc:
            raise StoreError(N_("Could not store {file} in {url}: {reason}"),
                             file=dataset.file_name, url=self.url, reason=_reason(exc)) from exc
        return self.submission(submission_id)

    def _insert_ignore(self, table: sa.Table, key: str) -> Any:
        if self.dialect == "postgresql":
            return pg_dialect.insert(table).on_conflict_do_nothing(index_elements=[key])
        return sqlite_dialect.insert(table).on_conflict_do_nothing(index_elements=[key])

    def _finding_row(self, submission_id: int, f: Finding) -> dict[str, Any]:
        where = getattr(f, "where", None)
        data = _jsonable(f.to_dict())
        return {
            "submission_id": submission_id,
            "rule": _clean_text(str(f.rule)) or "",
            "severity": str(f.severity),
            "table_id": _clean_text(f.table),
            "sheet": _clean_text(where.sheet) if where else None,
            "cell": _clean_text(where.cell) if where else None,
            "line": where.line if where else None,
            "data": data,
        }

    def _partner_index(self, table: str) -> int | None:
        try:
            tdef = self.registry.table(table)
        except NotFoundError:
            return None
        partner = tdef.partner
        return tdef.key_index(partner.id) if partner else None

    def _insert_observations(self, conn: Connection, observations: Sequence[Any],
                             slice_of: dict[tuple[str, str, str], int], slice_ids: list[int],
                             partner_at: dict[str, int | None],
                             progress: Callable[[int, int], None] | None) -> None:
        total = len(observations)
        columns = ("slice_id", "key", "partner", "value", "obs_status", "conf_status",
                   "comment")
        sep = S.KEY_SEPARATOR
        copy = self.dialect == "postgresql"
        for start in range(0, total, BATCH):
            rows = []
            for obs in observations[start:start + BATCH]:
                key = obs.key
                at = partner_at.get(obs.table)
                partner = key[at] if at is not None and at < len(key) else None
                value = obs.value
                comment = obs.comment
                rows.append((
                    slice_ids[slice_of[(obs.table, obs.ref_area, obs.time_period)]],
                    _clean_text(sep.join(key)),
                    None if partner is None else _clean_text(partner),
                    None if value is None else float(value),
                    _clean_text(obs.obs_status) or "A",
                    _clean_text(obs.conf_status) or "F",
                    None if comment is None else _clean_text(comment),
                ))
            if copy:
                # COPY is several times faster than INSERT on PostgreSQL; same transaction.
                cursor = conn.connection.driver_connection.cursor()
                with cursor.copy(f"COPY observation ({', '.join(columns)}) FROM STDIN") as out:
                    for row in rows:
                        out.write_row(row)
                cursor.close()
            else:
                # plain executemany of tuples: the values are already of SQLite's own types
                conn.exec_driver_sql(
                    f"INSERT INTO observation ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})", rows)
            if progress is not None:
                progress(min(start + BATCH, total), total)

    # -- submissions -------------------------------------------------------------------------
    def submissions(self, *, country: str | None = None, provider: str | None = None,
                    principal: Principal | None = None) -> list[SubmissionRecord]:
        """Every submission ``principal`` may see (rejected ones included), oldest first."""
        who = principal or ANONYMOUS
        sub = S.submission
        stmt = (sa.select(*self._submission_columns())
                .where(self.policy.listing_clause(who, sub)).order_by(sub.c.id))
        if country is not None:
            stmt = stmt.where(sub.c.country == country)
        if provider is not None:
            stmt = stmt.where(sub.c.provider == provider)
        with self.reading() as conn:
            records = [self._record(row) for row in conn.execute(stmt)]
        return [r for r in records if self.policy.can_read_submission(who, r)]

    def submission(self, submission_id: int, *,
                   principal: Principal | None = None) -> SubmissionRecord:
        """One submission's record; :class:`NotFoundError` if there is none."""
        with self.reading() as conn:
            return self._checked_records(conn, [submission_id], principal or ANONYMOUS)[0]

    def _checked_records(self, conn: Connection, ids: Sequence[int],
                         who: Principal) -> list[SubmissionRecord]:
        """The records of ``ids`` in that order, each one checked with the policy;
        :class:`NotFoundError` for the first id that is not in the store."""
        stmt = sa.select(*self._submission_columns()).where(S.submission.c.id.in_(list(ids)))
        found = {row.id: row for row in conn.execute(stmt)}
        records = []
        for submission_id in ids:
            row = found.get(submission_id)
            if row is None:
                raise NotFoundError(N_("There is no submission {id} in the store."),
                                    id=submission_id)
            record = self._record(row)
            self.policy.check(self.policy.can_read_submission(who, record), record)
            records.append(record)
        return records

    def findings(self, submission_id: int, *,
                 principal: Principal | None = None) -> list[dict[str, Any]]:
        """The findings stored with a submission, as ``Finding.to_dict()`` mappings."""
        who = principal or ANONYMOUS
        record = self.submission(submission_id, principal=who)
        self.policy.check(self.policy.can_read_findings(who, record), record)
        stmt = (sa.select(S.finding.c.data).where(S.finding.c.submission_id == submission_id)
                .order_by(S.finding.c.id))
        with self.reading() as conn:
            return [row[0] for row in conn.execute(stmt)]

    def raw_file(self, submission_id: int, *,
                 principal: Principal | None = None) -> tuple[str, bytes]:
        """The file name and the bytes of a submission exactly as received."""
        who = principal or ANONYMOUS
        record = self.submission(submission_id, principal=who)
        self.policy.check(self.policy.can_read_raw(who, record), record)
        stmt = sa.select(S.raw_file.c.content).where(S.raw_file.c.sha256 == record.sha256)
        with self.reading() as conn:
            content = conn.execute(stmt).scalar_one()
        return record.file_name, bytes(content)

    def table_metadata(self, submission_id: int, *,
                       principal: Principal | None = None) -> dict[str, dict[str, Any]]:
        """The per-table metadata of a submission: table id -> metadata mapping."""
        return self.tables_metadata([submission_id], principal=principal)[submission_id]

    def tables_metadata(self, submission_ids: Iterable[int], *,
                        principal: Principal | None = None
                        ) -> dict[int, dict[str, dict[str, Any]]]:
        """:meth:`table_metadata` of several submissions at once, in one transaction:
        submission id -> table id -> metadata mapping. Each submission must be readable by
        ``principal`` as for :meth:`submission`."""
        ids = list(dict.fromkeys(submission_ids))
        out: dict[int, dict[str, dict[str, Any]]] = {sid: {} for sid in ids}
        if not ids:
            return out
        tm = S.table_metadata
        stmt = (sa.select(tm.c.submission_id, tm.c.table_id, tm.c.meta)
                .where(tm.c.submission_id.in_(ids)))
        with self.reading() as conn:
            self._checked_records(conn, ids, principal or ANONYMOUS)
            for sid, table_id, meta in conn.execute(stmt):
                out[sid][table_id] = meta
        return out

    @staticmethod
    def _submission_columns() -> list[sa.Column[Any]]:
        c = S.submission.c
        return [c.id, c.provider, c.country, c.file_name, c.format, c.sha256, c.size,
                c.submitted_at, c.submitted_by, c.status, c.synthetic, c.n_observations,
                c.n_errors, c.n_warnings, c.tables, c.meta, c.provenance, c.note]

    @staticmethod
    def _record(row: Any) -> SubmissionRecord:
        return SubmissionRecord(
            id=row.id, provider=row.provider, country=row.country, file_name=row.file_name,
            format=row.format, sha256=row.sha256, size=row.size,
            submitted_at=_aware(row.submitted_at), submitted_by=row.submitted_by,
            status=row.status, synthetic=bool(row.synthetic),
            n_observations=row.n_observations, n_errors=row.n_errors,
            n_warnings=row.n_warnings, tables=list(row.tables or ()),
            metadata=dict(row.meta or {}), provenance=row.provenance, note=row.note)

    # -- reading observations ----------------------------------------------------------------
    def _table_id(self, table: str) -> str:
        try:
            return self.registry.table(table).id
        except NotFoundError:
            return table

    def _current_slices(self, conn: Connection, who: Principal, *, table: str | None = None,
                        ref_areas: Sequence[str] | None = None,
                        providers: Sequence[str] | None = None,
                        period_from: str | None = None, period_below: str | None = None,
                        as_of: datetime | None = None) -> list[Any]:
        """The current slice of each slice key matching the filters, as of ``as_of``."""
        sl, sub = S.slice_, S.submission
        rank = sa.func.row_number().over(
            partition_by=(sl.c.table_id, sl.c.provider, sl.c.ref_area, sl.c.time_period),
            order_by=(sl.c.recorded_at.desc(), sl.c.id.desc()))
        inner = (sa.select(sl.c.id, sl.c.table_id, sl.c.provider, sl.c.ref_area,
                           sl.c.time_period, sl.c.recorded_at, sl.c.submission_id,
                           sl.c.n_observations, sub.c.synthetic, rank.label("rank"))
                 .join(sub, sub.c.id == sl.c.submission_id)
                 .where(self.policy.data_clause(who, sub)))
        if table is not None:
            inner = inner.where(sl.c.table_id == table)
        if ref_areas is not None:
            inner = inner.where(sl.c.ref_area.in_(list(ref_areas)))
        if providers is not None:
            inner = inner.where(sl.c.provider.in_(list(providers)))
        if period_from is not None:
            inner = inner.where(sl.c.time_period >= period_from)
        if period_below is not None:
            inner = inner.where(sl.c.time_period < period_below)
        if as_of is not None:
            inner = inner.where(sl.c.recorded_at <= _naive_utc(as_of))
        current = inner.subquery()
        stmt = (sa.select(current).where(current.c.rank == 1)
                .order_by(current.c.table_id, current.c.provider, current.c.ref_area,
                          current.c.time_period))
        return list(conn.execute(stmt))

    def _plan(self, query: ObservationQuery, as_of: datetime | None, who: Principal
              ) -> tuple[list[Any], frozenset[str] | None, _KeyCodes]:
        """What :meth:`read` and :meth:`read_columns` both read: the current slices (access
        clause, slice keys, as-of), the partner codes wanted and the filter of the keys."""
        table = self._table_id(query.table)
        partners = frozenset(query.partners) if query.partners is not None else None
        key_filters: list[tuple[int, frozenset[str]]] = []
        if query.filters:
            try:
                tdef = self.registry.table(table)
            except NotFoundError:
                tdef = None
            for dim_id, codes in query.filters.items():
                if tdef is None or dim_id not in tdef.dimension_ids:
                    raise NotFoundError(N_("Table {table} has no dimension {dimension}."),
                                        table=query.table, dimension=dim_id)
                wanted = frozenset(codes)
                if tdef.partner is not None and dim_id == tdef.partner.id:
                    partners = wanted if partners is None else partners & wanted
                else:
                    key_filters.append((tdef.key_index(dim_id), wanted))
        moment = _naive_utc(as_of) if as_of is not None else _utcnow()
        with self.reading() as conn:
            slices = self._current_slices(
                conn, who, table=table, ref_areas=query.ref_areas, providers=query.providers,
                period_from=str(query.time_from) if query.time_from is not None else None,
                period_below=str(query.time_to + 1) if query.time_to is not None else None,
                as_of=moment)
        return slices, partners, _KeyCodes(key_filters)

    def read(self, query: ObservationQuery, *, as_of: datetime | None = None,
             principal: Principal | None = None) -> Iterator[StoredObservation]:
        """Current observations matching ``query`` (as of ``as_of``, default now).

        Ordered by provider, area and period, then as they were in the submitted file.
        A naive ``as_of`` is taken as UTC.
        """
        who = principal or ANONYMOUS
        slices, partners, codes = self._plan(query, as_of, who)
        return self._observations(who, slices, partners=partners, codes=codes)

    def read_columns(self, query: ObservationQuery, *, as_of: datetime | None = None,
                     principal: Principal | None = None,
                     columns: Sequence[str] = OBSERVATION_COLUMNS) -> dict[str, list[Any]]:
        """What :meth:`read` returns, column by column: field name -> one list per column.

        The rows, their order and every value are those of :meth:`read` with the same
        arguments (the same access clauses, slices and as-of; ``key`` holds tuples of
        codes). Made for reading many observations at once: no object per row, only the
        columns asked for are fetched, and the fields of a slice (table, provider, area,
        period, submission, time, synthetic) are repeated rather than looked up per row.
        ``columns`` names the fields wanted, any of :data:`OBSERVATION_COLUMNS`.
        """
        columns = tuple(dict.fromkeys(columns))
        unknown = [c for c in columns if c not in OBSERVATION_COLUMNS]
        if unknown:
            raise NotFoundError(N_("There is no observation field {name}; the fields are "
                                   "{known}."), name=", ".join(unknown),
                                known=", ".join(OBSERVATION_COLUMNS))
        who = principal or ANONYMOUS
        slices, partners, codes = self._plan(query, as_of, who)
        out: dict[str, list[Any]] = {c: [] for c in columns}
        per_slice = [(c, out[c]) for c in columns if c in _SLICE_FIELDS]
        fetched = tuple(c for c in _ROW_FIELDS[1:] if c in out)
        per_row = [(2 + at, out[c]) for at, c in enumerate(fetched)]
        keys = out.get("key")
        seen = codes.codes
        for s, rows, texts in self._slice_rows(who, slices, partners=partners, codes=codes,
                                               fields=fetched):
            n = len(rows)
            if per_slice:
                shared = _slice_fields(s)
                for name, column in per_slice:
                    column.extend(repeat(shared[name], n))
            if per_row:
                transposed = list(zip(*rows, strict=True))
                for at, column in per_row:
                    column.extend(transposed[at])
            if keys is not None:
                keys.extend(map(seen.__getitem__, texts))
        return out

    def _slice_rows(self, who: Principal, slices: list[Any], *,
                    partners: frozenset[str] | None = None, key: str | None = None,
                    codes: _KeyCodes, fields: Sequence[str] = ()
                    ) -> Iterator[tuple[Any, list[tuple[Any, ...]], list[str]]]:
        """Each slice with its observation rows ``(slice_id, key, *fields)`` in stored order
        (``fields`` from ``partner``, ``value``, ``obs_status``, ``conf_status``, ``comment``)
        and their key texts, the rows that ``codes`` rejects left out (and the slices left
        with none). The observation clause of the policy applies."""
        if not slices or (partners is not None and not partners):
            return
        ob = S.observation
        selected = [ob.c.slice_id, ob.c.key, *(ob.c[f] for f in fields)]
        for chunk in _chunks(slices):
            stmt = (sa.select(*selected)
                    .where(ob.c.slice_id.in_([s.id for s in chunk]),
                           self.policy.observation_clause(who, ob))
                    .order_by(ob.c.slice_id, ob.c.id))
            if partners is not None:
                stmt = stmt.where(ob.c.partner.in_(sorted(partners)))
            if key is not None:
                stmt = stmt.where(ob.c.key == key)
            with self.reading() as conn:
                rows = _fetch_all(conn, stmt)
            grouped = {sid: list(group) for sid, group in groupby(rows, itemgetter(0))}
            del rows
            for s in chunk:
                found = grouped.get(s.id)
                if not found:
                    continue
                texts = [r[1] for r in found]
                keep = codes.learn(texts)
                if keep is not None:
                    found, texts = list(compress(found, keep)), list(compress(texts, keep))
                    if not found:
                        continue
                yield s, found, texts

    def _observations(self, who: Principal, slices: list[Any], *,
                      partners: frozenset[str] | None = None, key: str | None = None,
                      codes: _KeyCodes | None = None) -> Iterator[StoredObservation]:
        codes = codes or _KeyCodes(())
        seen = codes.codes
        make = tuple.__new__
        kind = StoredObservation
        for s, rows, texts in self._slice_rows(who, slices, partners=partners, key=key,
                                               codes=codes, fields=_ROW_FIELDS[1:]):
            table, provider, area, period = s.table_id, s.provider, s.ref_area, s.time_period
            sid, recorded, synthetic = s.submission_id, _aware(s.recorded_at), bool(s.synthetic)
            # a list built in one comprehension per slice, then handed out: cheaper than
            # resuming this generator once per row
            yield from [
                make(kind, (table, provider, area, period, key_codes, partner, value,
                            obs_status, conf_status, comment, sid, recorded, synthetic))
                for (_id, _text, partner, value, obs_status, conf_status, comment), key_codes
                in zip(rows, map(seen.__getitem__, texts), strict=True)]

    def history(self, table: str, ref_area: str, time_period: str, key: Sequence[str], *,
                provider: str | None = None,
                principal: Principal | None = None) -> list[StoredObservation]:
        """Every stored vintage of one observation, oldest first; rejected ones excluded."""
        who = principal or ANONYMOUS
        table = self._table_id(table)
        sl, sub = S.slice_, S.submission
        stmt = (sa.select(sl.c.id, sl.c.table_id, sl.c.provider, sl.c.ref_area,
                          sl.c.time_period, sl.c.recorded_at, sl.c.submission_id,
                          sl.c.n_observations, sub.c.synthetic)
                .join(sub, sub.c.id == sl.c.submission_id)
                .where(sl.c.table_id == table, sl.c.ref_area == ref_area,
                       sl.c.time_period == time_period, self.policy.data_clause(who, sub))
                .order_by(sl.c.recorded_at, sl.c.id))
        if provider is not None:
            stmt = stmt.where(sl.c.provider == provider)
        with self.reading() as conn:
            slices = list(conn.execute(stmt))
        return list(self._observations(who, slices, key=_join_key(key)))

    def previous(self, table: str, provider: str, ref_area: str, before: str, *,
                 principal: Principal | None = None
                 ) -> tuple[str, dict[tuple[str, ...], float | None]] | None:
        """The latest period earlier than ``before`` with current data, and its values."""
        who = principal or ANONYMOUS
        table = self._table_id(table)
        with self.reading() as conn:
            slices = self._current_slices(conn, who, table=table, ref_areas=[ref_area],
                                          providers=[provider], period_below=before)
        if not slices:
            return None
        latest = max(slices, key=lambda s: s.time_period)
        values = {o.key: o.value for o in self._observations(who, [latest])}
        return latest.time_period, values

    def coverage(self, *, principal: Principal | None = None
                 ) -> list[tuple[str, str, str, str, int]]:
        """``(provider, ref_area, table, time_period, n_observations)`` of current data."""
        who = principal or ANONYMOUS
        with self.reading() as conn:
            slices = self._current_slices(conn, who)
        rows = [(s.provider, s.ref_area, s.table_id, s.time_period, s.n_observations)
                for s in slices]
        rows.sort()
        return rows


class _KeyCodes:
    """The codes of stored key texts, split once per distinct text (the rows of a table
    repeat a few thousand keys at most), and whether the filters of a query accept them.

    ``filters`` holds ``(position, codes wanted)`` pairs from :class:`ObservationQuery`
    ``filters``; :attr:`codes` maps each key text seen to its codes.
    """

    __slots__ = ("codes", "filters", "ok")

    def __init__(self, filters: Iterable[tuple[int, frozenset[str]]]) -> None:
        self.filters = tuple(filters)
        self.codes: dict[str, tuple[str, ...]] = {}
        self.ok: dict[str, bool] = {}

    def learn(self, texts: list[str]) -> list[bool] | None:
        """Remember the codes of ``texts``; which of them the filters keep (``None``: all)."""
        for text in set(texts).difference(self.codes):
            codes = self.codes[text] = _split_key(text)
            self.ok[text] = all(at < len(codes) and codes[at] in wanted
                                for at, wanted in self.filters)
        if not self.filters:
            return None
        keep = list(map(self.ok.__getitem__, texts))
        return None if all(keep) else keep


def _slice_fields(s: Any) -> dict[str, Any]:
    """The fields every observation of slice ``s`` shares, by observation field name."""
    return {"table": s.table_id, "provider": s.provider, "ref_area": s.ref_area,
            "time_period": s.time_period, "submission_id": s.submission_id,
            "recorded_at": _aware(s.recorded_at), "synthetic": bool(s.synthetic)}


def _fetch_all(conn: Connection, stmt: sa.Select[Any]) -> list[Any]:
    """Every row of ``stmt``: the driver's own tuples when SQLAlchemy would not convert any
    value of them (no result processors, plain cursor), which saves building a ``Row`` per
    row; else SQLAlchemy's rows (they unpack and index the same)."""
    result = conn.execute(stmt)
    try:
        meta = getattr(result, "_metadata", None)
        plain = (getattr(meta, "_effective_processors", True) is None
                 and type(getattr(result, "cursor_strategy", None)) is CursorFetchStrategy
                 and result.cursor is not None)
        return result.cursor.fetchall() if plain else list(result.fetchall())
    finally:
        result.close()


def _chunks(slices: list[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    rows = 0
    for s in slices:
        chunk.append(s)
        rows += s.n_observations
        if rows >= READ_CHUNK_ROWS or len(chunk) >= 5000:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        memory = not url.database or url.database == ":memory:"
        options: dict[str, Any] = {"poolclass": sa.pool.StaticPool} if memory else {}
        engine = sa.create_engine(
            url, json_serializer=_dumps,
            connect_args={"timeout": 30, "check_same_thread": False}, **options)

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
