"""The write path: a submission stored as a new vintage, in one transaction.

The raw file goes in first (content-addressed), then the submission, its per-table metadata,
its findings, its slices ``(table, provider, ref_area, time_period)`` and their observations
in batches (``COPY`` on PostgreSQL, a plain ``executemany`` on SQLite); last the time of the
vintage, set when it is complete and never before an earlier one. A process killed inside the
transaction leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from migstat.i18n import N_
from migstat.model.data import Dataset, Observation
from migstat.model.findings import Finding, NotFoundError
from migstat.model.precision import COLUMNS as PRECISION_COLUMNS
from migstat.model.precision import Precision
from migstat.store import schema as S
from migstat.store.access import ACCEPTED, PUBLISHED, REJECTED
from migstat.store.engine import StoreError, error_reason, utcnow
from migstat.store.rawfiles import RawFile, write_pieces
from migstat.store.records import SubmissionRecord
from migstat.store.submissions import StoreSubmissions

BATCH = 10_000
"""Observations per executemany batch (and per progress call)."""

OBSERVATION_COLUMNS = (
    "slice_id",
    "key",
    "partner",
    "value",
    "obs_status",
    "conf_status",
    "comment",
    *PRECISION_COLUMNS,
)
"""The columns of a stored observation, in the order of a row of :class:`SliceRows`."""


@dataclass(slots=True)
class SliceRows:
    """A chunk of observations given as rows rather than objects (the columnar import).

    ``slices`` are ``(table, REF_AREA, TIME_PERIOD, observations)`` of whole areas and
    periods; ``rows(slice_ids)`` yields the chunk's observation rows in batches, given the ids
    the slices got (in the order of ``slices``): tuples in the order of
    :data:`OBSERVATION_COLUMNS`, with ``value`` a float or ``None``, the key's codes joined by
    ``schema.KEY_SEPARATOR`` and the texts as the store keeps them."""

    slices: list[tuple[str, str, str, int]]
    rows: Callable[[list[int]], Iterator[Sequence[tuple[Any, ...]]]]


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


class StoreWrites(StoreSubmissions):
    """Storing submissions (through :meth:`~migstat.store.engine.StoreCore.writing`)."""

    def submit(
        self,
        dataset: Dataset,
        raw: bytes | RawFile,
        *,
        findings: Iterable[Finding] | Callable[[], Iterable[Finding]],
        submitted_by: str = "cli",
        accepted: bool | None = None,
        note: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        release: str | None = PUBLISHED,
        status: str | None = None,
        then: Callable[[Connection, int], None] | None = None,
        chunks: Iterable[Sequence[Observation] | SliceRows] | None = None,
        total: int | None = None,
    ) -> SubmissionRecord:
        """Store one submission as a new vintage, in one transaction; return its record.

        ``findings`` are stored with it; findings made while reading (``dataset.findings``)
        are added unless the same objects are already in ``findings``. ``accepted=None``
        accepts the submission iff no finding is an error. A rejected submission is stored
        all the same, but its observations are never current data. ``progress(done, total)``
        is called after each batch of observations. ``status`` stores another state than
        accepted/rejected (the exchange's workflow: ``draft``, ``submitted``); ``then(conn,
        id)`` runs last inside the same transaction (the workflow's first event and audit
        record are stored with the submission or not at all).

        ``release`` is the release state a submission accepted here starts in: ``published``
        (imports and submissions from the command line, as before release states existed),
        ``partners``, or ``None`` for internal (released later, :mod:`migstat.exchange.release`).
        A submission that is not accepted when stored gets no release row.

        A large import streams: ``raw`` is a :class:`RawFile` (stored in pieces of 1 MiB,
        never held whole), ``chunks`` yields the observations a bounded list at a time (every
        observation of one ``(table, REF_AREA, TIME_PERIOD)`` in the same chunk; ``total``,
        if known, is what progress counts towards) and ``findings`` is then a callable, asked
        once every chunk is stored, since validation runs as the chunks are made. A chunk may
        also be :class:`SliceRows`: its slices and rows as given, no observation objects (the
        columnar import). Whatever raises on the way (a chunk, the findings, the file
        changing) rolls back everything.
        """
        started = utcnow()
        try:
            with self.writing() as conn:
                digest, size = self._store_raw(conn, raw, started)
                submission_id = self._insert_submission(
                    conn, dataset, digest, size, started, submitted_by, note
                )
                self._insert_table_metadata(conn, submission_id, dataset)
                stored, tables = self._insert_chunks(
                    conn,
                    submission_id,
                    [dataset.observations] if chunks is None else chunks,
                    progress,
                    total,
                    dataset.breakdowns,
                )
                found = list(findings() if callable(findings) else findings)
                seen = {id(f) for f in found}
                found.extend(f for f in dataset.findings if id(f) not in seen)
                self._settle(
                    conn,
                    submission_id,
                    dataset=dataset,
                    found=found,
                    counted=(stored, tables),
                    decided=(accepted, status, release),
                    by=submitted_by,
                    started=started,
                )
                self._date_vintage(conn, submission_id)
                if then is not None:
                    then(conn, submission_id)
        except SQLAlchemyError as exc:
            raise StoreError(
                N_("Could not store {file} in {url}: {reason}"),
                file=dataset.file_name,
                url=self.url,
                reason=error_reason(exc),
            ) from exc
        return self.submission(submission_id)

    def _store_raw(self, conn: Connection, raw: bytes | RawFile, started: Any) -> tuple[str, int]:
        """The bytes as received, content-addressed: always the first insert. A
        :class:`RawFile` goes in pieces, unless the same bytes are stored already."""
        if isinstance(raw, RawFile):
            digest, size = raw.digest()
            # RETURNING tells a new row from one already there on both databases (rowcount
            # of an ignored insert is not reliable through every driver)
            added = conn.execute(
                self._insert_ignore(S.raw_file, "sha256").returning(S.raw_file.c.sha256),
                {"sha256": digest, "size": size, "content": b"", "stored_at": started},
            ).scalar()
            if added is not None:
                write_pieces(conn, raw, digest)
            return digest, size
        raw = bytes(raw)
        digest = hashlib.sha256(raw).hexdigest()
        conn.execute(
            self._insert_ignore(S.raw_file, "sha256"),
            {"sha256": digest, "size": len(raw), "content": raw, "stored_at": started},
        )
        return digest, len(raw)

    def _insert_submission(
        self,
        conn: Connection,
        dataset: Dataset,
        digest: str,
        size: int,
        started: Any,
        submitted_by: str,
        note: str | None,
    ) -> int:
        """The submission's row; its state and counts are settled once its observations
        and findings are in (:meth:`_settle`), in the same transaction."""
        meta = dataset.metadata
        return conn.execute(
            sa.insert(S.submission).returning(S.submission.c.id),
            {
                "provider": _clean_text(dataset.provider) or "",
                "country": _clean_text(meta.country),
                "file_name": _clean_text(dataset.file_name) or "",
                "format": _clean_text(dataset.format) or "",
                "sha256": digest,
                "size": size,
                "submitted_at": started,
                "submitted_by": _clean_text(submitted_by) or "",
                "status": REJECTED,
                "embargo_until": None,
                "synthetic": bool(dataset.synthetic),
                "note": _clean_text(note),
                "n_observations": 0,
                "n_errors": 0,
                "n_warnings": 0,
                "tables": [],
                "meta": _jsonable(meta.to_dict()),
                "provenance": (
                    _jsonable(dataset.provenance.to_dict()) if dataset.provenance else None
                ),
            },
        ).scalar_one()

    def _insert_table_metadata(
        self, conn: Connection, submission_id: int, dataset: Dataset
    ) -> None:
        if dataset.metadata.tables:
            conn.execute(
                sa.insert(S.table_metadata),
                [
                    {
                        "submission_id": submission_id,
                        "table_id": _clean_text(t),
                        "meta": _jsonable(m.to_dict()),
                    }
                    for t, m in dataset.metadata.tables.items()
                ],
            )

    def _insert_chunks(
        self,
        conn: Connection,
        submission_id: int,
        chunks: Iterable[Sequence[Observation] | SliceRows],
        progress: Callable[[int, int], None] | None,
        total: int | None,
        breakdowns: Mapping[str, str],
    ) -> tuple[int, list[str]]:
        """Each chunk's slices, then its observations in batches; the number stored and
        the tables, in order of appearance. A slice records the breakdown its reader says
        the table has, so a later edition replaces only the same breakdown."""
        provider = conn.execute(
            sa.select(S.submission.c.provider).where(S.submission.c.id == submission_id)
        ).scalar_one()
        partner_at: dict[str, int | None] = {}
        tables: dict[str, None] = {}
        stored = 0
        for chunk in chunks:
            if isinstance(chunk, SliceRows):
                for t, _a, _p, _n in chunk.slices:
                    tables.setdefault(t, None)
                stored += self._insert_slice_rows(
                    conn,
                    chunk,
                    lambda t, a, p, n: self._slice_row(
                        submission_id, provider, breakdowns, t, a, p, n
                    ),
                    _shifted(progress, stored, total if total is not None else 0),
                )
                continue
            slice_of: dict[tuple[str, str, str], int] = {}
            counts: list[int] = []
            for obs in chunk:
                skey = (obs.table, obs.ref_area, obs.time_period)
                index = slice_of.get(skey)
                if index is None:
                    index = slice_of[skey] = len(counts)
                    counts.append(0)
                    if obs.table not in tables:
                        tables[obs.table] = None
                        partner_at[obs.table] = self._partner_index(obs.table)
                counts[index] += 1
            if not slice_of:
                continue
            result = conn.execute(
                sa.insert(S.slice_).returning(S.slice_.c.id, sort_by_parameter_order=True),
                [
                    self._slice_row(submission_id, provider, breakdowns, t, a, p, counts[i])
                    for (t, a, p), i in slice_of.items()
                ],
            )
            slice_ids = [row[0] for row in result]
            self._insert_observations(
                conn,
                chunk,
                slice_of,
                slice_ids,
                partner_at,
                _shifted(progress, stored, total if total is not None else len(chunk)),
            )
            stored += len(chunk)
        return stored, list(tables)

    @staticmethod
    def _slice_row(
        submission_id: int,
        provider: str,
        breakdowns: Mapping[str, str],
        table: str,
        area: str,
        period: str,
        count: int,
    ) -> dict[str, Any]:
        return {
            "submission_id": submission_id,
            "table_id": _clean_text(table),
            "provider": provider,
            "ref_area": _clean_text(area),
            "time_period": _clean_text(period),
            "recorded_at": utcnow(),
            "n_observations": count,
            "breakdown": _clean_text(breakdowns.get(table, "")) or "",
        }

    def _insert_slice_rows(
        self,
        conn: Connection,
        chunk: SliceRows,
        slice_row: Callable[[str, str, str, int], dict[str, Any]],
        progress: Callable[[int, int], None] | None,
    ) -> int:
        """A :class:`SliceRows` chunk: its slices, then its rows as they come, a batch at a
        time (``COPY`` on PostgreSQL); the number of observations stored."""
        if not chunk.slices:
            return 0
        result = conn.execute(
            sa.insert(S.slice_).returning(S.slice_.c.id, sort_by_parameter_order=True),
            [slice_row(*s) for s in chunk.slices],
        )
        ids = [row[0] for row in result]
        total = sum(s[3] for s in chunk.slices)
        done = 0
        for rows in chunk.rows(ids):
            self._write_rows(conn, rows)
            done += len(rows)
            if progress is not None:
                progress(done, total)
        return done

    def _write_rows(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Observation rows in the order of :data:`OBSERVATION_COLUMNS`, in one statement."""
        columns = ", ".join(OBSERVATION_COLUMNS)
        if self.dialect == "postgresql":
            # COPY is several times faster than INSERT on PostgreSQL; same transaction.
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY observation ({columns}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)
            cursor.close()
        else:
            # plain executemany of tuples: the values are already of SQLite's own types
            conn.exec_driver_sql(
                f"INSERT INTO observation ({columns}) "
                f"VALUES ({', '.join('?' * len(OBSERVATION_COLUMNS))})",
                rows,
            )

    def _settle(
        self,
        conn: Connection,
        submission_id: int,
        *,
        dataset: Dataset,
        found: list[Finding],
        counted: tuple[int, list[str]],
        decided: tuple[bool | None, str | None, str | None],
        by: str,
        started: Any,
    ) -> None:
        """The submission's state, counts and findings, once its observations are in."""
        accepted, status, release = decided
        stored, tables = counted
        severities = [str(getattr(f, "severity", "")) for f in found]
        n_errors = severities.count("error")
        if accepted is None:
            accepted = n_errors == 0
        status = status or (ACCEPTED if accepted else REJECTED)
        conn.execute(
            sa.update(S.submission)
            .where(S.submission.c.id == submission_id)
            .values(
                status=status,
                n_observations=stored,
                n_errors=n_errors,
                n_warnings=severities.count("warning"),
                tables=_jsonable(tables or dataset.tables),
                provenance=(
                    _jsonable(dataset.provenance.to_dict()) if dataset.provenance else None
                ),
            )
        )
        if status == ACCEPTED and release is not None:
            conn.execute(
                sa.insert(S.release),
                {
                    "submission_id": submission_id,
                    "state": release,
                    "released_at": started,
                    "released_by": _clean_text(by) or "",
                    "note": "on submission",
                },
            )
        for start in range(0, len(found), BATCH):
            conn.execute(
                sa.insert(S.finding),
                [self._finding_row(submission_id, f) for f in found[start : start + BATCH]],
            )

    def _date_vintage(self, conn: Connection, submission_id: int) -> None:
        """The time of the vintage: when it was complete, never before an earlier one."""
        latest = conn.execute(
            sa.select(sa.func.max(S.submission.c.submitted_at)).where(
                S.submission.c.id != submission_id
            )
        ).scalar()
        moment = utcnow()
        if latest is not None and moment <= latest:
            moment = latest + timedelta(microseconds=1)
        conn.execute(
            sa.update(S.submission)
            .where(S.submission.c.id == submission_id)
            .values(submitted_at=moment)
        )
        conn.execute(
            sa.update(S.slice_)
            .where(S.slice_.c.submission_id == submission_id)
            .values(recorded_at=moment)
        )

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

    def _insert_observations(
        self,
        conn: Connection,
        observations: Sequence[Any],
        slice_of: dict[tuple[str, str, str], int],
        slice_ids: list[int],
        partner_at: dict[str, int | None],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        total = len(observations)
        # a chunk's observations share few keys and flags: each is cleaned once, not per row
        keys: dict[tuple[str, tuple[str, ...]], tuple[str | None, str | None]] = {}
        flags: dict[tuple[str, str], tuple[str, str]] = {}
        for start in range(0, total, BATCH):
            rows = []
            for obs in observations[start : start + BATCH]:
                table, key = obs.table, obs.key
                cleaned = keys.get((table, key))
                if cleaned is None:
                    cleaned = keys[(table, key)] = _key_columns(key, partner_at.get(table))
                flag = flags.get((obs.obs_status, obs.conf_status))
                if flag is None:
                    flag = flags[(obs.obs_status, obs.conf_status)] = (
                        _clean_text(obs.obs_status) or "A",
                        _clean_text(obs.conf_status) or "F",
                    )
                value = obs.value
                comment = obs.comment
                precision = getattr(obs, "precision", None)
                rows.append(
                    (
                        slice_ids[slice_of[(table, obs.ref_area, obs.time_period)]],
                        *cleaned,
                        None if value is None else float(value),
                        *flag,
                        None if comment is None else _clean_text(comment),
                        *(NO_PRECISION if precision is None else _precision_row(precision)),
                    )
                )
            self._write_rows(conn, rows)
            if progress is not None:
                progress(min(start + BATCH, total), total)


def _shifted(
    progress: Callable[[int, int], None] | None, before: int, total: int
) -> Callable[[int, int], None] | None:
    """``progress`` for one chunk, counting on from the observations stored before it."""
    if progress is None:
        return None
    return lambda done, _total: progress(before + done, max(total, before + done))


NO_PRECISION = (None,) * len(PRECISION_COLUMNS)


def _key_columns(key: tuple[str, ...], at: int | None) -> tuple[str | None, str | None]:
    """The stored ``key`` and ``partner`` columns of a key (the partner at index ``at``)."""
    partner = key[at] if at is not None and at < len(key) else None
    return (
        _clean_text(S.KEY_SEPARATOR.join(key)),
        None if partner is None else _clean_text(partner),
    )


def _precision_row(precision: Precision) -> tuple[Any, ...]:
    se, cv, level, low, high, reliability = precision.row()
    return (
        se,
        cv,
        level,
        low,
        high,
        None if reliability is None else _clean_text(reliability),
    )
