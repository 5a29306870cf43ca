"""The release rules resolved once per visibility version, for the hot read path.

The access gate's release clause (:meth:`migstat.store.access.AccessPolicy.release_clause`)
is a set of subqueries over the ``release`` and ``agreement`` tables that the database
evaluates on every read: for a small read of a few slices they cost more than the read itself.
Their result changes only when the store's visibility version moves (the ``store_version`` row
that every release, agreement and submission write bumps) or when an embargo ends. So the
gate reads the latest release rows and the agreements once per (database, reading country,
version), decides in Python which submissions and (submission, table) pairs pass, and hands
the read a clause of plain ``IN`` lists; the next read checks one row and the clock.

The decision is the same as the SQL one, row for row (the access matrix tests run on both):
a slice's release state is its submission's latest row for the slice's table when that row is
newer than the latest row for all tables, else the latter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.store import schema as S

VERSION_SQL = f"SELECT version FROM {S.store_version.name} WHERE id = 1"
"""Plain SQL: compiling a statement on every read would cost more than running it."""
MAX_RESOLVED = 5000
"""The most ids a resolved clause lists; past it the gate keeps its subqueries."""
MAX_KEPT = 512
"""Resolved clauses kept per policy (one per database and reading country)."""

Pair = tuple[int, str]


@dataclass(frozen=True, slots=True)
class Latest:
    """The latest release row of one (submission, table or all tables)."""

    id: int
    submission_id: int
    table_id: str | None
    state: str
    embargo_until: datetime | None


def latest_rows(conn: Connection) -> list[Latest]:
    """The latest release row of each (submission, table scope)."""
    r = S.release
    latest = sa.select(sa.func.max(r.c.id)).group_by(r.c.submission_id, r.c.table_id)
    stmt = sa.select(r.c.id, r.c.submission_id, r.c.table_id, r.c.state, r.c.embargo_until).where(
        r.c.id.in_(latest)
    )
    return [Latest(*row) for row in conn.execute(stmt)]


def passing(
    rows: Iterable[Latest], test: Callable[[Latest], bool]
) -> tuple[frozenset[int], frozenset[Pair], frozenset[Pair]]:
    """The submissions whose latest row for all tables passes ``test``, and the (submission,
    table) pairs whose own latest row is newer than that and passes, or fails."""
    whole: dict[int, Latest] = {}
    tables: list[Latest] = []
    for row in rows:
        if row.table_id is None:
            whole[row.submission_id] = row
        else:
            tables.append(row)
    ok = frozenset(sid for sid, row in whole.items() if test(row))
    good, bad = set(), set()
    for row in tables:
        over = whole.get(row.submission_id)
        if over is None or row.id > over.id:
            (good if test(row) else bad).add((row.submission_id, row.table_id or ""))
    return ok, frozenset(good), frozenset(bad)


def ids_in(column: sa.ColumnElement[Any], ids: Iterable[int]) -> sa.ColumnElement[bool]:
    """``column IN (1, 2, …)`` with the integers written into the statement: an expanding
    parameter would have the statement rendered again at every read, which costs more than
    the read of a few slices. Integers only, so nothing from outside enters the SQL text."""
    listed = ",".join(str(int(i)) for i in sorted(ids))
    return column.op("IN")(sa.literal_column(f"({listed})")) if listed else sa.false()


def state_clause(
    submission: sa.Table,
    slice_: sa.FromClause,
    sets: tuple[frozenset[int], frozenset[Pair], frozenset[Pair]],
) -> sa.ColumnElement[bool]:
    """The clause of :func:`passing`'s sets, leaving out the parts an empty set makes moot
    (the pairs, a release of one table of a submission, are rare)."""
    ok, good, bad = sets
    pair = sa.tuple_(submission.c.id, slice_.c.table_id)
    whole = ids_in(submission.c.id, ok)
    if bad and ok:
        whole = sa.and_(whole, sa.not_(pair.in_(sorted(bad))))
    return sa.or_(whole, pair.in_(sorted(good))) if good else whole


def by_table(
    countries: dict[int, str],
    sets: tuple[frozenset[int], frozenset[Pair], frozenset[Pair]],
    opened: frozenset[tuple[str, str]],
) -> dict[str, frozenset[int]]:
    """For each table an agreement opens: the submissions whose release state for that table
    passes (``sets``, from :func:`passing`) and whose country it opens the table of."""
    ok, good, bad = sets
    out: dict[str, frozenset[int]] = {}
    for table in sorted({t for _c, t in opened}):
        out[table] = frozenset(
            sid
            for sid, country in countries.items()
            if (country, table) in opened
            and (((sid, table) not in bad and sid in ok) or (sid, table) in good)
        )
    return out


def countries_of(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """The reporting country of each of the submissions ``ids`` (those with one)."""
    sub = S.submission
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = sa.select(sub.c.id, sub.c.country).where(
        ids_in(sub.c.id, wanted), sub.c.country.is_not(None)
    )
    return {sid: country for sid, country in conn.execute(stmt)}


def opened_pairs(
    conn: Connection, opened: sa.Select[Any], reciprocal: sa.ColumnElement[bool]
) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """The (country, table) pairs the agreements open, without and with reciprocity."""
    plain: set[tuple[str, str]] = set()
    mutual: set[tuple[str, str]] = set()
    for country, table, recip in conn.execute(opened.add_columns(reciprocal)):
        (mutual if recip else plain).add((country, table))
    return frozenset(plain), frozenset(mutual)


def shared(
    conn: Connection,
    sets: tuple[frozenset[int], frozenset[Pair], frozenset[Pair]],
    opened: tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]],
    provided: sa.Select[Any],
    submission: sa.Table,
    slice_: sa.FromClause,
) -> list[sa.ColumnElement[bool]] | None:
    """The slices a member of sharing agreements reads as a partner: of the submissions whose
    release state for the table passes ``sets`` (released to partners or beyond), those of
    the countries ``opened`` opens the table of (without, and with reciprocity: then only for
    the (table, period) pairs ``provided``). ``None`` when the lists would be too long."""
    plain, mutual = opened
    if size(*sets, plain, mutual) > MAX_RESOLVED:
        return None
    countries = countries_of(conn, [*sets[0], *(sid for sid, _t in sets[1])])
    out = []
    for recip, pairs in ((False, plain), (True, mutual)):
        for table, ids in by_table(countries, sets, pairs).items():
            if ids:
                parts = [slice_.c.table_id == table, ids_in(submission.c.id, ids)]
                if recip:
                    parts.append(sa.tuple_(slice_.c.table_id, slice_.c.time_period).in_(provided))
                out.append(sa.and_(*parts))
    return out


def size(*sets: frozenset[Any]) -> int:
    return sum(len(s) for s in sets)


class Resolutions:
    """Resolved clauses kept per (database, key), each valid while the store's version is
    the one it was made at and the clock is before its ``until`` (the next embargo end)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[Any, ...], tuple[int, datetime | None, Any]] = {}
        self._lock = threading.Lock()

    def get(
        self,
        conn: Connection,
        key: tuple[Any, ...],
        now: datetime,
        make: Callable[[], tuple[Any, datetime | None]],
    ) -> Any:
        """The kept clause for ``key`` or ``make()``'s (a clause and the moment it stops
        holding, or ``None``)."""
        version = conn.exec_driver_sql(VERSION_SQL).scalar_one()
        full = (id(conn.engine), *key)
        with self._lock:
            kept = self._kept.get(full)
        if kept is not None and kept[0] == version and (kept[1] is None or now < kept[1]):
            return kept[2]
        clause, until = make()
        with self._lock:
            if len(self._kept) > MAX_KEPT:
                self._kept.clear()
            self._kept[full] = (version, until, clause)
        return clause


def next_end(rows: Iterable[Latest], now: datetime, embargoed: str) -> datetime | None:
    """The earliest embargo end after ``now`` among the latest rows (when the public's
    decision next changes by the clock alone)."""
    ends = [
        r.embargo_until
        for r in rows
        if r.state == embargoed and r.embargo_until is not None and r.embargo_until > now
    ]
    return min(ends, default=None)
