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
from migstat.microdata.design import DESIGN_TABLE, SurveyPlan
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


def _role_columns(mapping: Mapping, roles: list[str], reference_date: str | None) -> list[str]:
    exprs = []
    for role in roles:
        if role == "age":
            exprs.append(f"{age_expression(mapping, reference_date)} AS r_age")
        else:
            exprs.append(f"{text(mapping.variables[role])} AS r_{role}")
    return exprs


def _records(source: Source, mapping: Mapping, columns: list[str]) -> str:
    """The kept records with the given columns, their weight and whether the date of birth
    is bad (the inner query of the scan)."""
    born = mapping.variable("date_of_birth")
    bad_birth = (
        f"{text(born)} <> '' AND TRY_CAST({text(born)} AS DATE) IS NULL" if born else "false"
    )
    return (
        f"SELECT {', '.join([*columns, ''])}{weight_expression(mapping)} AS w, "
        f"{bad_birth} AS bad_birth FROM {source.scan()} AS src WHERE {filter_expression(mapping)}"
    )


CHECKS = (
    "count(*) FILTER (WHERE w IS NULL OR w < 0 OR NOT isfinite(w)) AS bad_weight, "
    "count(*) FILTER (WHERE bad_birth) AS bad_birth"
)


def record_key_expression(mapping: Mapping) -> str:
    """Each record's key for the cell-key method: the file's record key variable, else a
    hash of the whole record (``src`` is the file's row)."""
    variable = mapping.sdc.get("record_key")
    if variable:
        return f"TRY_CAST({text(variable)} AS BIGINT) % 256"
    return "hash(src) % 256"


def scan_sql(
    source: Source,
    mapping: Mapping,
    roles: list[str],
    reference_date: str | None,
    record_keys: bool = False,
) -> str:
    exprs = _role_columns(mapping, roles, reference_date)
    keys_sum = ""
    if record_keys:
        exprs.append(f"{record_key_expression(mapping)} AS rk")
        keys_sum = ", sum(rk) AS rk, count(*) FILTER (WHERE rk IS NULL) AS bad_key"
    keys = ", ".join(f"r_{role}" for role in roles)
    scale = repr(float(mapping.weight_scale))
    return (
        f"CREATE OR REPLACE TEMP TABLE {TABLE} AS "
        f"SELECT {keys}{', ' if keys else ''}sum(w * {scale}) AS w, "
        f"round_even(sum(w * {scale}), 0) AS v, count(*) AS n, {CHECKS}{keys_sum} "
        f"FROM ({_records(source, mapping, exprs)}) " + (f"GROUP BY {keys}" if keys else "")
    )


def design_sql(
    source: Source, mapping: Mapping, roles: list[str], reference_date: str | None, plan: SurveyPlan
) -> list[str]:
    """The survey scan: ``design_cells`` (the cells by stratum, PSU and fpc, with the sums of
    every replicate weight), then ``raw_cells`` summed from it, so the file is read once."""
    design = []
    if plan.strata:
        design.append(f"{text(plan.strata)} AS r_strata")
    if plan.clusters:
        design.append(f"{text(plan.clusters)} AS r_clusters")
    elif plan.replicates:
        design.append("'' AS r_clusters")
    else:  # every record its own PSU
        design.append("CAST(row_number() OVER () AS VARCHAR) AS r_clusters")
    if plan.fpc:
        design.append(f"TRY_CAST({ident(plan.fpc)} AS DOUBLE) AS r_fpc")
    reps = [f"TRY_CAST({ident(c)} AS DOUBLE) AS x_{j}" for j, c in enumerate(plan.replicates)]
    scale = repr(float(mapping.weight_scale))
    rep_sums = "".join(f", sum(x_{j} * {scale}) AS rw_{j}" for j in range(len(reps)))
    missing = " OR ".join(f"x_{j} IS NULL OR NOT isfinite(x_{j})" for j in range(len(reps)))
    keys = [f"r_{role}" for role in roles]
    groups = ", ".join([*keys, *(d.rsplit(" AS ", 1)[1] for d in design)])
    inner = _records(
        source, mapping, [*_role_columns(mapping, roles, reference_date), *design, *reps]
    )
    cells = (
        f"CREATE OR REPLACE TEMP TABLE {DESIGN_TABLE} AS SELECT {groups}, "
        f"sum(w * {scale}) AS w, count(*) AS n, {CHECKS}{rep_sums}, "
        f"count(*) FILTER (WHERE {missing or 'false'}) AS bad_replicate "
        f"FROM ({inner}) GROUP BY {groups}"
    )
    key_list = ", ".join(keys)
    raw = (
        f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT {key_list}{', ' if keys else ''}"
        "sum(w) AS w, round_even(sum(w), 0) AS v, sum(n) AS n, sum(bad_weight) AS bad_weight, "
        f"sum(bad_birth) AS bad_birth, sum(bad_replicate) AS bad_replicate FROM {DESIGN_TABLE} "
        + (f"GROUP BY {key_list}" if keys else "")
    )
    return [cells, raw]


def run_scan(
    con,
    source: Source,
    mapping: Mapping,
    roles: list[str],
    reference_date: str | None,
    progress: Progress | None = None,
    plan: SurveyPlan | None = None,
    record_keys: bool = False,
) -> Scan:
    """Read the file once into ``raw_cells`` (and ``design_cells`` for a survey) and check
    the weights, replicate weights and dates of birth."""
    try:
        if plan is None:
            sql = scan_sql(source, mapping, roles, reference_date, record_keys)
            run_query(con, sql, progress)
        else:
            first, then = design_sql(source, mapping, roles, reference_date, plan)
            run_query(con, first, progress)
            con.execute(then)
    except duckdb.Error as problem:
        raise unreadable(source, problem) from None
    if plan is not None and plan.replicates:
        _replicate_error(con, source, mapping, plan)
    if record_keys:
        _record_key_error(con, source, mapping)
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


def _replicate_error(con, source: Source, mapping: Mapping, plan: SurveyPlan) -> None:
    count = con.execute(f"SELECT coalesce(sum(bad_replicate), 0) FROM {TABLE}").fetchone()[0]
    if not count:
        return
    for column in plan.replicates:
        number = f"TRY_CAST({ident(column)} AS DOUBLE)"
        found = first_record(
            con,
            source,
            f"CAST({ident(column)} AS VARCHAR)",
            f"{filter_expression(mapping)} AND ({number} IS NULL OR NOT isfinite({number}))",
        )
        if found:
            raise InputError(
                N_(
                    "Variable {variable}, record {row}: the replicate weight {value} is missing "
                    "or not a number ({count} records have such a replicate weight)."
                ),
                where=source.where(column, found[0]),
                variable=column,
                row=found[0],
                value=found[1] or "",
                count=int(count),
            )


def _record_key_error(con, source: Source, mapping: Mapping) -> None:
    count = con.execute(f"SELECT coalesce(sum(bad_key), 0) FROM {TABLE}").fetchall()[0][0]
    if not count:
        return
    variable = mapping.sdc["record_key"]
    number = f"TRY_CAST({text(variable)} AS BIGINT)"
    found = first_record(
        con, source, text(variable), f"{filter_expression(mapping)} AND {number} IS NULL"
    )
    row, value = found if found else (0, "")
    raise InputError(
        N_(
            "Variable {variable}, record {row}: the record key {value} is not a whole number "
            "({count} records in all); every record needs a key of 0 to 255."
        ),
        where=source.where(variable, row),
        variable=variable,
        row=row,
        value=value,
        count=int(count),
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
