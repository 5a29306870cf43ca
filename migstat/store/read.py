"""Reading observations: current data, as of a moment, through the access policy.

Current data is, for each slice key ``(table, provider, ref_area, time_period)``, the latest
slice of a submission that the reader may see as data (accepted today), recorded at or before
``as_of``. Observations come out one named tuple each (:meth:`StoreReads.read`) or column by
column for bulk work (:meth:`StoreReads.read_columns`); both share one plan
(:meth:`StoreReads._plan`: the policy's clauses, the current slices, as-of) and one fetch
(:meth:`StoreReads._slice_rows`), so they cannot disagree on what is visible. The history of
one observation, the period before another and the coverage of current data are read from the
same slices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import compress, groupby, repeat
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.i18n import N_
from migstat.model.findings import NotFoundError
from migstat.model.precision import COLUMNS as PRECISION_COLUMNS
from migstat.model.precision import Precision, precision_of
from migstat.model.precision import from_row as precision_row
from migstat.store import schema as S
from migstat.store.access import ANONYMOUS, Principal
from migstat.store.engine import StoreCore, aware, naive_utc, utcnow
from migstat.store.records import ObservationQuery, StoredObservation
from migstat.store.slicerows import KeyCodes, Overlap, fetch_all, parts

READ_CHUNK_ROWS = 50_000
"""Roughly how many observations one read query fetches at a time."""
OBSERVATION_COLUMNS: tuple[str, ...] = tuple(
    f for f in StoredObservation._fields if f != "precision"
)
"""The fields of a stored observation, the columns :meth:`StoreReads.read_columns` can
return (the precision is read by :meth:`StoreReads.read`)."""
_SLICE_FIELDS = frozenset(
    ("table", "provider", "ref_area", "time_period", "submission_id", "recorded_at", "synthetic")
)
_ROW_FIELDS = ("key", "partner", "value", "obs_status", "conf_status", "comment")
"""The fields of an observation stored per row."""


_WITH_PRECISION = (*_ROW_FIELDS[1:], *PRECISION_COLUMNS)


def _stored_precision(
    row: tuple[Any, ...], comment: str | None, obs_status: str
) -> Precision | None:
    """A row's precision from its columns, or from the comment of a row stored before schema
    revision 0008."""
    found = precision_row(*row)
    if found is not None:
        return found
    return precision_of(_Commented(comment, obs_status))


class _Commented(NamedTuple):
    comment: str | None
    obs_status: str


def _join_key(key: Sequence[str]) -> str:
    return S.KEY_SEPARATOR.join(str(c) for c in key)


class StoreReads(StoreCore):
    """Reading observations, their history and the coverage of current data."""

    def _current_slices(
        self,
        conn: Connection,
        who: Principal,
        *,
        table: str | None = None,
        ref_areas: Sequence[str] | None = None,
        providers: Sequence[str] | None = None,
        period_from: str | None = None,
        period_below: str | None = None,
        as_of: datetime | None = None,
    ) -> list[Any]:
        """The current slice of each slice key matching the filters, as of ``as_of``."""
        sl, sub = S.slice_, S.submission
        rank = sa.func.row_number().over(
            partition_by=(
                sl.c.table_id,
                sl.c.provider,
                sl.c.ref_area,
                sl.c.time_period,
                sl.c.breakdown,
            ),
            order_by=(sl.c.recorded_at.desc(), sl.c.id.desc()),
        )
        inner = (
            sa.select(
                sl.c.id,
                sl.c.table_id,
                sl.c.provider,
                sl.c.ref_area,
                sl.c.time_period,
                sl.c.recorded_at,
                sl.c.submission_id,
                sl.c.n_observations,
                sl.c.breakdown,
                sub.c.synthetic,
                sub.c.country.label("submission_country"),
                rank.label("rank"),
            )
            .join(sub, sub.c.id == sl.c.submission_id)
            .where(
                self.policy.data_clause(who, sub),
                self.policy.release_clause(who, sub, sl, conn=conn),
            )
        )
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
            inner = inner.where(sl.c.recorded_at <= naive_utc(as_of))
        current = inner.subquery()
        stmt = (
            sa.select(current)
            .where(current.c.rank == 1)
            .order_by(
                current.c.table_id,
                current.c.provider,
                current.c.ref_area,
                current.c.time_period,
                current.c.recorded_at.desc(),
                current.c.id.desc(),
            )
        )
        return list(conn.execute(stmt))

    def _plan(
        self, query: ObservationQuery, as_of: datetime | None, who: Principal
    ) -> tuple[list[Any], frozenset[str] | None, KeyCodes]:
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
                    raise NotFoundError(
                        N_("Table {table} has no dimension {dimension}."),
                        table=query.table,
                        dimension=dim_id,
                    )
                wanted = frozenset(codes)
                if tdef.partner is not None and dim_id == tdef.partner.id:
                    partners = wanted if partners is None else partners & wanted
                else:
                    key_filters.append((tdef.key_index(dim_id), wanted))
        moment = naive_utc(as_of) if as_of is not None else utcnow()
        with self.reading() as conn:
            slices = self._current_slices(
                conn,
                who,
                table=table,
                ref_areas=query.ref_areas,
                providers=query.providers,
                period_from=str(query.time_from) if query.time_from is not None else None,
                period_below=str(query.time_to + 1) if query.time_to is not None else None,
                as_of=moment,
            )
        return slices, partners, KeyCodes(key_filters)

    def read(
        self,
        query: ObservationQuery,
        *,
        as_of: datetime | None = None,
        principal: Principal | None = None,
    ) -> Iterator[StoredObservation]:
        """Current observations matching ``query`` (as of ``as_of``, default now).

        Ordered by provider, area and period, then as they were in the submitted file.
        A naive ``as_of`` is taken as UTC.
        """
        who = principal or ANONYMOUS
        slices, partners, codes = self._plan(query, as_of, who)
        return self._observations(who, slices, partners=partners, codes=codes, current=True)

    def read_columns(
        self,
        query: ObservationQuery,
        *,
        as_of: datetime | None = None,
        principal: Principal | None = None,
        columns: Sequence[str] = OBSERVATION_COLUMNS,
    ) -> dict[str, list[Any]]:
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
            raise NotFoundError(
                N_("There is no observation field {name}; the fields are {known}."),
                name=", ".join(unknown),
                known=", ".join(OBSERVATION_COLUMNS),
            )
        who = principal or ANONYMOUS
        slices, partners, codes = self._plan(query, as_of, who)
        out: dict[str, list[Any]] = {c: [] for c in columns}
        per_slice = [(c, out[c]) for c in columns if c in _SLICE_FIELDS]
        fetched = tuple(c for c in _ROW_FIELDS[1:] if c in out)
        per_row = [(2 + at, out[c]) for at, c in enumerate(fetched)]
        keys = out.get("key")
        seen = codes.codes
        for s, rows, texts in self._slice_rows(
            who, slices, partners=partners, codes=codes, fields=fetched, current=True
        ):
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

    def _slice_rows(
        self,
        who: Principal,
        slices: list[Any],
        *,
        partners: frozenset[str] | None = None,
        key: str | None = None,
        codes: KeyCodes,
        fields: Sequence[str] = (),
        current: bool = False,
    ) -> Iterator[tuple[Any, list[tuple[Any, ...]], list[str]]]:
        """Each slice with its observation rows ``(slice_id, key, *fields)`` in stored order
        (``fields`` from ``partner``, ``value``, ``obs_status``, ``conf_status``, ``comment``)
        and their key texts, the rows that ``codes`` rejects left out (and the slices left
        with none). The observation clause of the policy applies."""
        if not slices or (partners is not None and not partners):
            return
        ob = S.observation
        overlap = Overlap.of(slices, fields) if current else None
        for chunk in _chunks(slices):
            rows = []
            with self.reading() as conn:
                # the slices read as stored (the reader's own, those with no cell to hide)
                # and the others apart: no per-row test where none is needed
                for part, options in parts(self.policy, conn, who, chunk):
                    shown = self.policy.observation_columns(who, ob, **options)
                    selected = [ob.c.slice_id, ob.c.key, *(shown.get(f, ob.c[f]) for f in fields)]
                    if overlap is not None and overlap.extra:
                        selected.append(ob.c.partner)
                    stmt = (
                        sa.select(*selected)
                        .where(
                            ob.c.slice_id.in_([s.id for s in part]),
                            self.policy.observation_clause(who, ob),
                        )
                        .order_by(ob.c.slice_id, ob.c.id)
                    )
                    if partners is not None:
                        stmt = stmt.where(ob.c.partner.in_(sorted(partners)))
                    if key is not None:
                        stmt = stmt.where(ob.c.key == key)
                    rows.extend(fetch_all(conn, stmt))
            grouped = {sid: list(group) for sid, group in groupby(rows, itemgetter(0))}
            del rows
            for s in chunk:
                found = grouped.get(s.id)
                if not found:
                    continue
                if overlap is not None:
                    found = overlap.newest(s, found)
                    if not found:
                        continue
                texts = [r[1] for r in found]
                keep = codes.learn(texts)
                if keep is not None:
                    found, texts = list(compress(found, keep)), list(compress(texts, keep))
                    if not found:
                        continue
                yield s, found, texts

    def _observations(
        self,
        who: Principal,
        slices: list[Any],
        *,
        partners: frozenset[str] | None = None,
        key: str | None = None,
        codes: KeyCodes | None = None,
        current: bool = False,
    ) -> Iterator[StoredObservation]:
        """The observations of ``slices``; with ``current`` (the current slices of
        :meth:`_current_slices`) a cell two breakdowns of one slice key both hold is given
        once, from the newer slice."""
        codes = codes or KeyCodes(())
        seen = codes.codes
        make = tuple.__new__
        kind = StoredObservation
        for s, rows, texts in self._slice_rows(
            who,
            slices,
            partners=partners,
            key=key,
            codes=codes,
            fields=_WITH_PRECISION,
            current=current,
        ):
            table, provider, area, period = s.table_id, s.provider, s.ref_area, s.time_period
            sid, recorded, synthetic = s.submission_id, aware(s.recorded_at), bool(s.synthetic)
            # a list built in one comprehension per slice, then handed out: cheaper than
            # resuming this generator once per row
            yield from [
                make(
                    kind,
                    (
                        table,
                        provider,
                        area,
                        period,
                        key_codes,
                        partner,
                        value,
                        obs_status,
                        conf_status,
                        comment,
                        sid,
                        recorded,
                        synthetic,
                        None
                        if reliability is None
                        and se is None
                        and (comment is None or comment[:3] != "SE=")
                        else _stored_precision(
                            (se, cv, level, low, high, reliability), comment, obs_status
                        ),
                    ),
                )
                for (
                    _id,
                    _text,
                    partner,
                    value,
                    obs_status,
                    conf_status,
                    comment,
                    se,
                    cv,
                    level,
                    low,
                    high,
                    reliability,
                ), key_codes in zip(rows, map(seen.__getitem__, texts), strict=True)
            ]

    def history(
        self,
        table: str,
        ref_area: str,
        time_period: str,
        key: Sequence[str],
        *,
        provider: str | None = None,
        principal: Principal | None = None,
    ) -> list[StoredObservation]:
        """Every stored vintage of one observation, oldest first; rejected ones excluded."""
        who = principal or ANONYMOUS
        table = self._table_id(table)
        sl, sub = S.slice_, S.submission
        stmt = (
            sa.select(
                sl.c.id,
                sl.c.table_id,
                sl.c.provider,
                sl.c.ref_area,
                sl.c.time_period,
                sl.c.recorded_at,
                sl.c.submission_id,
                sl.c.n_observations,
                sub.c.synthetic,
            )
            .join(sub, sub.c.id == sl.c.submission_id)
            .where(
                sl.c.table_id == table,
                sl.c.ref_area == ref_area,
                sl.c.time_period == time_period,
                self.policy.data_clause(who, sub),
                self.policy.release_clause(who, sub, sl),
            )
            .order_by(sl.c.recorded_at, sl.c.id)
        )
        if provider is not None:
            stmt = stmt.where(sl.c.provider == provider)
        with self.reading() as conn:
            slices = list(conn.execute(stmt))
        return list(self._observations(who, slices, key=_join_key(key)))

    def previous(
        self,
        table: str,
        provider: str,
        ref_area: str,
        before: str,
        *,
        principal: Principal | None = None,
    ) -> tuple[str, dict[tuple[str, ...], float | None]] | None:
        """The latest period earlier than ``before`` with current data, and its values."""
        who = principal or ANONYMOUS
        table = self._table_id(table)
        with self.reading() as conn:
            slices = self._current_slices(
                conn,
                who,
                table=table,
                ref_areas=[ref_area],
                providers=[provider],
                period_below=before,
            )
        if not slices:
            return None
        period = max(s.time_period for s in slices)
        latest = [s for s in slices if s.time_period == period]
        values = {o.key: o.value for o in self._observations(who, latest, current=True)}
        return period, values

    def coverage(
        self, *, principal: Principal | None = None
    ) -> list[tuple[str, str, str, str, int]]:
        """``(provider, ref_area, table, time_period, n_observations)`` of current data, one
        row per slice key (the observations of its current breakdowns added up)."""
        who = principal or ANONYMOUS
        with self.reading() as conn:
            slices = self._current_slices(conn, who)
        counts: Counter[tuple[str, str, str, str]] = Counter()
        for s in slices:
            counts[(s.provider, s.ref_area, s.table_id, s.time_period)] += s.n_observations
        return sorted((*key, n) for key, n in counts.items())


def _slice_fields(s: Any) -> dict[str, Any]:
    """The fields every observation of slice ``s`` shares, by observation field name."""
    return {
        "table": s.table_id,
        "provider": s.provider,
        "ref_area": s.ref_area,
        "time_period": s.time_period,
        "submission_id": s.submission_id,
        "recorded_at": aware(s.recorded_at),
        "synthetic": bool(s.synthetic),
    }


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
