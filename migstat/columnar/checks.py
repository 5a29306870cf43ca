"""Validation of the ``obs`` table: SQL finds where a rule can fire, the rules run there.

The row path validates every area and period by building its observations and running
every rule (:class:`~migstat.validation.chunked.ChunkedValidation`). Here the observations
are first ranked and numbered in DuckDB (:func:`prepare`: the same order as the spill reads
them back, a cell given more than twice counted, not kept), then one SQL pass per table
marks the areas and periods where some rule *could* make a finding (:func:`mark`):

- a cell given twice (``STRUCT_DUPLICATE``);
- a period without a date, a reporting area that is not a country on it, a code not allowed
  in its dimension (a partner code not in the AREA code list on the date) (``STRUCT_*``);
- a value that is not a whole non-negative number (a finite one for an indicator table);
- a dimension with two codes or more of which one is the total of an additive rule of its
  hierarchies (``ARITH_TOTAL`` compares nothing otherwise: a total without parts given is
  only checked to be at least zero), or two codes of ``SEX`` (the sex ratio);
- in a table whose own-country row must be zero, a non-zero value in it.

Only the marked areas and periods are made observations, in the row path's order, and
checked by the row path's own rules (:meth:`Checks.run`), so every finding is the row path's
finding, at its line and column, under the same bound per rule. The rest are counted in SQL
(:func:`summary`). With the store's history (a provider's later vintage), every area and
period for which the history has an earlier period is marked too, so that the year-on-year
rule sees each of them as on the row path (one question to the store per area and period,
as there). The cross-table rules are not marked here: an import that needs them takes the
row path (:mod:`migstat.importing`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migstat.model import Observation, Registry, TableDef
from migstat.model.additive import period_date
from migstat.model.data import LineObservation
from migstat.sources.duck import fill
from migstat.store import spill
from migstat.validation.chunked import ChunkedValidation, TableSummary
from migstat.validation.metadata import SELF_PARTNER_TABLES

SEP = "\x1f"
_COUNTRY_KINDS = ("country", "historical")


def summary(con: Any) -> dict[str, TableSummary]:
    """What each table holds, counted in SQL."""
    out: dict[str, TableSummary] = {}
    for tab, n, estimated in con.execute(
        "SELECT tab, sum(n), sum(estimated) FROM groups GROUP BY tab ORDER BY tab"
    ).fetchall():
        found = out[tab] = TableSummary(observations=int(n), estimated=int(estimated))
        found.areas = {
            a
            for (a,) in con.execute(
                "SELECT DISTINCT area FROM groups WHERE tab = ?", [tab]
            ).fetchall()
        }
        found.periods = {
            p
            for (p,) in con.execute(
                "SELECT DISTINCT period FROM groups WHERE tab = ?", [tab]
            ).fetchall()
        }
    return out


def _registry_tables(con: Any, registry: Registry, tables: list[TableDef]) -> None:
    """The registry as the marking needs it: AREA codes with kind and validity, the periods'
    dates, the fixed dimensions' allowed codes and the totals of the hierarchies."""
    codes = [
        (c.id, c.attributes.get("kind"), c.valid_from, c.valid_to)
        for c in registry.areas.codes.values()
    ]
    fill(con, "area_codes", _AREA_COLUMNS, codes)
    dates: list[tuple[Any, ...]] = []
    allowed: list[tuple[Any, ...]] = []
    totals: list[tuple[Any, ...]] = []
    for table in tables:
        periods = con.execute(
            "SELECT DISTINCT period FROM groups WHERE tab = ?", [table.id]
        ).fetchall()
        dates.extend((table.id, p, period_date(p, table.period_type)) for (p,) in periods)
        for d, dim in enumerate(table.dimensions):
            codelist = registry.codelists[dim.codelist]
            if dim.role != "partner":
                allowed.extend((table.id, d, c) for c in registry.codes(table, dim.id))
            names = [*dim.hierarchies, *(["REGIONS"] if dim.role == "partner" else [])]
            found = {
                rule.total
                for name in names
                if name in codelist.hierarchies
                for rule in codelist.hierarchies[name].rules
            }
            totals.extend((table.id, d, code) for code in found)
    fill(con, "dates", (("tab", "VARCHAR"), ("period", "VARCHAR"), ("pdate", "DATE")), dates)
    fill(con, "allowed", _CODE_COLUMNS, allowed)
    fill(con, "totals", _CODE_COLUMNS, totals)


_AREA_COLUMNS = (("code", "VARCHAR"), ("kind", "VARCHAR"), ("vfrom", "DATE"), ("vto", "DATE"))
_CODE_COLUMNS = (("tab", "VARCHAR"), ("d", "INTEGER"), ("code", "VARCHAR"))


def _valid(alias: str, when: str = "t.pdate") -> str:
    return (
        f"({alias}.code IS NOT NULL AND ({alias}.vfrom IS NULL OR {when} >= {alias}.vfrom) "
        f"AND ({alias}.vto IS NULL OR {when} <= {alias}.vto))"
    )


def _mark(con: Any, sql: str, params: list[Any] | None = None) -> None:
    con.execute(f"INSERT INTO marked {sql}", params or [])


def _mark_groups(con: Any, table: TableDef) -> None:
    """Areas and periods marked by what they are: a period without a date, a reporting
    area that is not a country on it, a cell given twice."""
    _mark(
        con,
        "SELECT g.gno FROM groups g JOIN dates t ON t.tab = g.tab AND t.period = g.period "
        "LEFT JOIN area_codes a ON a.code = g.area WHERE g.tab = ? AND (t.pdate IS NULL OR "
        f"NOT coalesce({_valid('a')} AND a.kind IN {_COUNTRY_KINDS}, false))",
        [table.id],
    )
    _mark(
        con,
        "SELECT DISTINCT s.gno FROM second s JOIN d_key k ON k.kr = s.kr WHERE k.tab = ?",
        [table.id],
    )


def _mark_keys(con: Any, table: TableDef) -> None:
    """Areas and periods with a key of the wrong width, a code not allowed in its dimension
    (a partner code not in the AREA code list, or not on the period's date)."""
    bad = [f"k.width <> {len(table.dimensions)}"]
    dated = []
    for d, dim in enumerate(table.dimensions):
        code = f"k.c{d + 1}"
        if dim.role == "partner":
            bad.append(f"{code} NOT IN (SELECT code FROM area_codes)")
            dated.append(d)
        else:
            bad.append(f"{code} NOT IN (SELECT code FROM allowed WHERE tab = k.tab AND d = {d})")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bad_keys AS SELECT kr FROM d_key k WHERE k.tab = ? AND "
        f"({' OR '.join(f'coalesce({b}, true)' for b in bad)})",
        [table.id],
    )
    _mark(con, "SELECT DISTINCT c.gno FROM cells c JOIN bad_keys b ON b.kr = c.kr")
    for d in dated:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE dated_keys AS SELECT k.kr, a.vfrom, a.vto FROM d_key k "
            f"JOIN area_codes a ON a.code = k.c{d + 1} WHERE k.tab = ? AND "
            "(a.vfrom IS NOT NULL OR a.vto IS NOT NULL)",
            [table.id],
        )
        _mark(
            con,
            "SELECT DISTINCT c.gno FROM cells c JOIN dated_keys a ON a.kr = c.kr "
            "JOIN groups g ON g.gno = c.gno JOIN dates t ON t.tab = g.tab AND t.period = g.period "
            "WHERE t.pdate IS NOT NULL AND NOT ((a.vfrom IS NULL OR t.pdate >= a.vfrom) "
            "AND (a.vto IS NULL OR t.pdate <= a.vto))",
        )


def _mark_values(con: Any, table: TableDef) -> None:
    """Areas and periods with a value that is not a whole non-negative number (a count), or
    not finite (an indicator)."""
    value = "c.fval"
    bad = (
        f"({value} < 0 OR {value} <> floor({value}) OR isnan({value}) OR isinf({value}))"
        if table.counts
        else f"(isnan({value}) OR isinf({value}))"
    )
    _mark(
        con,
        "SELECT DISTINCT c.gno FROM cells c JOIN d_key k ON k.kr = c.kr WHERE k.tab = ? AND "
        f"(c.ival < 0 OR (c.ival IS NULL AND c.fval IS NOT NULL AND {bad}))",
        [table.id],
    )


def _mark_totals(con: Any, table: TableDef) -> None:
    """Areas and periods where a dimension has two codes or more and one is a total of its
    hierarchies (or two codes of SEX); a dimension with one code in the whole file has none."""
    for d, dim in enumerate(table.dimensions):
        code = f"k.c{d + 1}"
        (spread,) = con.execute(
            f"SELECT count(DISTINCT {code}) FROM d_key k WHERE k.tab = ?", [table.id]
        ).fetchone()
        if spread < 2:
            continue
        total = f"{code} IN (SELECT code FROM totals WHERE tab = k.tab AND d = {d})"
        if dim.id != "SEX":
            (any_total,) = con.execute(
                f"SELECT count(*) FROM d_key k WHERE k.tab = ? AND {total}", [table.id]
            ).fetchone()
            if not any_total:
                continue
        con.execute(
            "CREATE OR REPLACE TEMP TABLE dim_codes AS SELECT k.kr, dense_rank() OVER "
            f"(ORDER BY {code}) AS ci, coalesce({total}, false) AS is_total FROM d_key k "
            "WHERE k.tab = ?",
            [table.id],
        )
        having = "min(x.ci) <> max(x.ci)" + ("" if dim.id == "SEX" else " AND bool_or(x.is_total)")
        _mark(
            con,
            "SELECT c.gno FROM cells c JOIN dim_codes x ON x.kr = c.kr GROUP BY c.gno "
            f"HAVING {having}",
        )


def _mark_self(con: Any, table: TableDef) -> None:
    """In a table whose own-country row must be zero, areas and periods with a value there."""
    if table.id not in SELF_PARTNER_TABLES or table.partner is None:
        return
    _mark(
        con,
        "SELECT DISTINCT c.gno FROM cells c JOIN d_key k ON k.kr = c.kr JOIN groups g "
        "ON g.gno = c.gno WHERE k.tab = ? AND k.partner = g.area AND "
        "coalesce(c.ival::DOUBLE, c.fval, 0) <> 0",
        [table.id],
    )


def mark(con: Any, registry: Registry) -> int:
    """``marked``: the slices (``gno``) where a rule could make a finding; how many."""
    tables = [
        registry.tables[t] for (t,) in con.execute("SELECT tab FROM d_tab ORDER BY tab").fetchall()
    ]
    _registry_tables(con, registry, tables)
    con.execute("CREATE TABLE marked (gno BIGINT)")
    for table in tables:
        _mark_groups(con, table)
        _mark_keys(con, table)
        _mark_values(con, table)
        _mark_totals(con, table)
        _mark_self(con, table)
    (count,) = con.execute("SELECT count(DISTINCT gno) FROM marked").fetchone()
    return count


_ROW = (
    "g.tab, g.area, g.period, k.key, c.ival, c.fval, c.obs_status, c.conf_status, c.line, "
    "c.col, c.gno"
)


def observations(
    con: Any, where: str, file: str, limit: int | None = None
) -> Iterator[list[Observation]]:
    """The observations of ``cells`` matching ``where``, in the spill's order, as the row
    reader makes them (one :class:`LineObservation` each); lists of about ``spill.CHUNK``,
    cut only between slices."""
    size = spill.CHUNK  # as many as the row path checks at a time
    cursor = con.cursor()
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    cursor.execute(
        f"SELECT {_ROW} FROM cells c JOIN groups g ON g.gno = c.gno JOIN d_key k ON k.kr = c.kr "
        f"WHERE {where} ORDER BY c.gno, c.kr, c.seq{tail}"
    )
    keys: dict[str, tuple[str, ...]] = {}
    chunk: list[Observation] = []
    group = None
    while rows := cursor.fetchmany(4096):
        for tab, area, period, key, ival, fval, obs, conf, line, col, gno in rows:
            if gno != group:
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
                group = gno
            codes = keys.get(key)
            if codes is None:
                codes = keys[key] = tuple(key.split(SEP)) if key else ()
            chunk.append(
                LineObservation(
                    tab,
                    area,
                    period,
                    codes,
                    ival if ival is not None else fval,
                    obs,
                    conf,
                    file=file,
                    line=line,
                    column=col,
                )
            )
    cursor.close()
    if chunk:
        yield chunk


def mark_history(con: Any, history: Any, provider: str) -> None:
    """Mark the areas and periods whose table and area have an earlier period in the store."""
    cursor = con.cursor()
    cursor.execute("SELECT gno, tab, area, period FROM groups ORDER BY gno")
    found: list[tuple[int]] = []
    while rows := cursor.fetchmany(4096):
        found.extend(
            (gno,)
            for gno, tab, area, period in rows
            if history.previous(tab, provider, area, period)
        )
    cursor.close()
    fill(con, "with_history", (("gno", "BIGINT"),), found)
    con.execute("INSERT INTO marked SELECT gno FROM with_history")


class Checks:
    """The findings of the ``cells`` table, made as the row path makes them."""

    def __init__(self, con: Any, checks: ChunkedValidation, repeats: int) -> None:
        self.con = con
        self.checks = checks
        self.repeats = repeats

    def run(self, registry: Registry, file: str) -> None:
        con = self.con
        mark(con, registry)
        history = self.checks.history
        if history is not None:
            mark_history(con, history, self.checks.dataset.provider)
        if con.execute("SELECT count(*) FROM marked").fetchone()[0]:
            where = "c.gno IN (SELECT DISTINCT gno FROM marked)"
            for chunk in observations(con, where, file):
                self.checks.check(chunk)
        self.checks.more("STRUCT_DUPLICATE", self.repeats)
        counted = summary(con)
        self.checks.summary.clear()
        self.checks.summary.update(counted)
