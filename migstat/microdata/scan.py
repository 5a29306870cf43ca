"""The one pass over the microdata: every record is read once, reduced to the distinct
combinations of the variables the tables need, with the sum of the weights and the number of
records of each (a temporary table ``raw_cells``), and checked on the way.

Everything after this pass (unmapped values, the ages, every table with its totals) reads
``raw_cells``, which holds at most as many rows as there are distinct combinations of the
national values (thousands for a census, not millions), so a run costs one read of the file
whatever the number of tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from migstat.i18n import N_
from migstat.microdata.mapping import AGE_ROLES, CODED_ROLES, Mapping
from migstat.microdata.source import VALUE, Source, first_record, ident, literal, unreadable
from migstat.model import InputError

Progress = Callable[[int, int], None]

TABLE = "raw_cells"


@dataclass(slots=True)
class Scan:
    """What the pass found: the roles it kept, the records read and kept, and per role the
    distinct values with their number of records."""

    roles: list[str]
    records: int = 0
    weighted: float = 0.0
    values: dict[str, dict[str, int]] = field(default_factory=dict)


def text(column: str) -> str:
    """A column's value as trimmed text, the empty text for a missing value."""
    return f"coalesce(trim(CAST({ident(column)} AS VARCHAR)), '')"


def age_from_birth(column: str, reference_date: str) -> str:
    """Completed years on the reference date, from a date of birth (text ``''`` if none)."""
    year, month, day = (int(part) for part in reference_date.split("-"))
    born = f"TRY_CAST(trim(CAST({ident(column)} AS VARCHAR)) AS DATE)"
    years = (
        f"{year} - year({born}) - CASE WHEN month({born}) * 100 + day({born}) > "
        f"{month * 100 + day} THEN 1 ELSE 0 END"
    )
    return f"coalesce(CAST({years} AS VARCHAR), '')"


def age_expression(mapping: Mapping, reference_date: str | None) -> str:
    """The age as text: the age variable when given, else from the date of birth."""
    age = mapping.variable("age")
    born = mapping.variable("date_of_birth")
    from_birth = age_from_birth(born, reference_date) if born and reference_date else None
    if age and from_birth:
        return f"CASE WHEN {text(age)} <> '' THEN {text(age)} ELSE {from_birth} END"
    if age:
        return text(age)
    assert from_birth is not None
    return from_birth


def weight_expression(mapping: Mapping) -> str:
    weight = mapping.variable("weight")
    if not weight:
        return "1.0"
    return f"TRY_CAST({ident(weight)} AS DOUBLE)"


def filter_expression(mapping: Mapping) -> str:
    conditions = [
        f"{text(var)} IN ({', '.join(literal(v) for v in values)})"
        for var, values in mapping.select.items()
    ]
    return " AND ".join(conditions) or "true"


def scan_sql(source: Source, mapping: Mapping, roles: list[str], reference_date: str | None) -> str:
    exprs = []
    for role in roles:
        if role == "age":
            exprs.append(f"{age_expression(mapping, reference_date)} AS r_age")
        else:
            exprs.append(f"{text(mapping.variables[role])} AS r_{role}")
    born = mapping.variable("date_of_birth")
    bad_birth = (
        f"{text(born)} <> '' AND TRY_CAST({text(born)} AS DATE) IS NULL" if born else "false"
    )
    keys = ", ".join(f"r_{role}" for role in roles)
    scale = repr(float(mapping.weight_scale))
    return (
        f"CREATE OR REPLACE TEMP TABLE {TABLE} AS "
        f"SELECT {keys}{', ' if keys else ''}sum(w * {scale}) AS w, "
        f"round_even(sum(w * {scale}), 0) AS v, count(*) AS n, "
        "count(*) FILTER (WHERE w IS NULL OR w < 0 OR NOT isfinite(w)) AS bad_weight, "
        "count(*) FILTER (WHERE bad_birth) AS bad_birth "
        f"FROM (SELECT {', '.join([*exprs, ''])}{weight_expression(mapping)} AS w, "
        f"{bad_birth} AS bad_birth FROM {source.scan()} WHERE {filter_expression(mapping)}) "
        + (f"GROUP BY {keys}" if keys else "")
    )


def run_scan(
    con,
    source: Source,
    mapping: Mapping,
    roles: list[str],
    reference_date: str | None,
    progress: Progress | None = None,
) -> Scan:
    """Read the file once into ``raw_cells`` and check the weights and dates of birth."""
    try:
        run_query(con, scan_sql(source, mapping, roles, reference_date), progress)
    except duckdb.Error as problem:
        raise unreadable(source, problem) from None
    records, weighted, bad_weight, bad_birth = con.execute(
        f"SELECT coalesce(sum(n), 0), coalesce(sum(w), 0), coalesce(sum(bad_weight), 0), "
        f"coalesce(sum(bad_birth), 0) FROM {TABLE}"
    ).fetchone()
    if not records:
        raise InputError(
            N_("There is no record to tabulate: the file has none, or select keeps none."),
            where=source.where(),
        )
    if bad_weight:
        _weight_error(con, source, mapping, int(bad_weight))
    if bad_birth:
        _birth_error(con, source, mapping, int(bad_birth))
    scan = Scan(roles=roles, records=int(records), weighted=float(weighted))
    for role in roles:
        if role in CODED_ROLES or role in AGE_ROLES:
            rows = con.execute(
                f"SELECT r_{role}, sum(n) FROM {TABLE} GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
            scan.values[role] = {value: int(n) for value, n in rows}
    return scan


def _weight_error(con, source: Source, mapping: Mapping, count: int) -> None:
    weight = mapping.variables["weight"]
    number = f"TRY_CAST({ident(weight)} AS DOUBLE)"
    found = first_record(
        con,
        source,
        f"CAST({ident(weight)} AS VARCHAR)",
        f"{filter_expression(mapping)} AND ({number} IS NULL OR {number} < 0 "
        f"OR NOT isfinite({number}))",
    )
    row, value = found if found else (0, None)
    if value is None or value.strip() == "":
        message = N_(
            "Variable {variable}, record {row}: the weight is missing ({count} records "
            "have a missing, negative or non-numeric weight). Every record needs a weight "
            "of zero or more."
        )
    else:
        message = N_(
            "Variable {variable}, record {row}: the weight {value} is negative or not a "
            "number ({count} records have a missing, negative or non-numeric weight). "
            "Every record needs a weight of zero or more."
        )
    raise InputError(
        message,
        where=source.where(weight, row),
        variable=weight,
        row=row,
        value=value or "",
        count=count,
    )


def _birth_error(con, source: Source, mapping: Mapping, count: int) -> None:
    born = mapping.variables["date_of_birth"]
    found = first_record(
        con,
        source,
        text(born),
        f"{filter_expression(mapping)} AND {VALUE} <> '' AND TRY_CAST({VALUE} AS DATE) IS NULL",
    )
    row, value = found if found else (0, "")
    raise InputError(
        N_(
            "Variable {variable}, record {row}: {value} is not a date of birth "
            "(YYYY-MM-DD; {count} records in all)."
        ),
        where=source.where(born, row),
        variable=born,
        row=row,
        value=value,
        count=count,
    )


def run_query(con, sql: str, progress: Progress | None) -> None:
    """Run a long statement, reporting DuckDB's own progress (in per cent) while it runs."""
    if progress is None:
        con.execute(sql)
        return
    failure: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql)
        except BaseException as problem:  # handed to the caller's thread below
            failure.append(problem)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    shown = -1
    while worker.is_alive():
        worker.join(0.25)
        done = int(con.query_progress())
        if done > shown:
            shown = done
            progress(done, 100)
    if failure:
        raise failure[0]
    progress(100, 100)
