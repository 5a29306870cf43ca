"""SPSS (.sav, .zsav) and Stata (.dta) microdata, converted in chunks to Parquet for DuckDB.

pyreadstat (Apache-2.0, over the ReadStat C library) reads the file ``chunk_rows`` records at
a time and only the variables the mapping names; each chunk becomes one Parquet part in the
run's temporary folder, and DuckDB then reads the parts as one file, out of core like any
Parquet file. The memory a conversion takes is one chunk of the needed variables, whatever
the size of the file.

Every value is written as text, as a CSV file would be read: a whole number without a
decimal part (``1``, not ``1.0``, so a recode key ``"1"`` matches the SPSS code 1), any other
number in its shortest exact form, a missing value (system or user missing) as the empty
text, a date as ``YYYY-MM-DD``. With ``value_labels: true`` in the mapping file, a value that
carries a value label is read as its label, so recodes may be written with the labels the
file's documentation shows (``"Male": M``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from migstat.i18n import N_
from migstat.model import InputError, Location

READSTAT_SUFFIXES = {".sav": "sav", ".zsav": "sav", ".dta": "dta"}
KIND_NAMES = {"sav": "SPSS", "dta": "Stata"}
CHUNK_VALUES = 2_000_000
"""Values (records x variables) converted at once: the bound on a conversion's memory."""
MAX_CHUNK_ROWS = 200_000
PART = "part_{:06d}.parquet"
WHOLE = 2.0**53
"""Numbers below this in size are whole exactly when their float is."""


@dataclass(slots=True)
class Converted:
    """The Parquet parts of a converted file: their glob, records per part, records in all."""

    glob: str
    chunk_rows: int
    records: int
    parts: int
    select: str
    """The SQL select list reading the parts as text, with the value labels when asked."""


@dataclass(slots=True)
class ReadstatFile:
    """A .sav or .dta file: its kind, columns and value labels (read from its header)."""

    path: Path
    kind: str
    columns: list[str]
    rows: int | None
    labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    text: set[str] = field(default_factory=set)
    """The variables stored as text (never read as numbers: ``007`` stays ``007``)."""


def _reader(kind: str):
    import pyreadstat

    return pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta


def _unreadable(path: Path, kind: str, problem: Exception) -> InputError:
    return InputError(
        N_("The file cannot be read as {kind}: {problem}"),
        where=Location(file=path.name),
        kind=KIND_NAMES[kind],
        problem=str(problem).splitlines()[0] if str(problem) else type(problem).__name__,
    )


def read_header(path: Path, kind: str) -> ReadstatFile:
    """The variables and value labels, without reading any record."""
    try:
        _, meta = _reader(kind)(str(path), metadataonly=True)
    except Exception as problem:  # pyreadstat raises its own and ReadStat's errors
        raise _unreadable(path, kind, problem) from None
    rows = meta.number_rows if meta.number_rows and meta.number_rows > 0 else None
    text = {n for n, t in (meta.readstat_variable_types or {}).items() if t == "string"}
    return ReadstatFile(path, kind, list(meta.column_names), rows, meta.variable_value_labels, text)


def literal(value: Any) -> str:
    """A number or a text as an SQL literal (labels are matched in SQL)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def number_sql(column: str) -> str:
    """A DOUBLE column as text: whole numbers without a decimal part, missing as NULL."""
    return (
        f"CASE WHEN {column} IS NULL OR isnan({column}) THEN NULL "
        f"WHEN {column} = floor({column}) AND abs({column}) < {WHOLE!r} "
        f"THEN CAST(CAST({column} AS BIGINT) AS VARCHAR) ELSE CAST({column} AS VARCHAR) END"
    )


def column_sql(name: str, numeric: bool, labels: dict[Any, str] | None) -> str:
    """The SQL reading one converted variable as text, with its labels when asked."""
    column = '"' + name.replace('"', '""') + '"'
    plain = number_sql(column) if numeric else column
    whens = [
        f"WHEN {column} = {literal(value)} THEN {literal(str(label))}"
        for value, label in (labels or {}).items()
        if numeric == (isinstance(value, int | float) and not isinstance(value, bool))
    ]
    if not whens:
        return f"{plain} AS {column}"
    return f"CASE {' '.join(whens)} ELSE {plain} END AS {column}"


def _text(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if value is None:
            out[i] = None
        elif isinstance(value, dt.datetime):
            out[i] = value.isoformat(sep=" ")
        elif isinstance(value, dt.date):
            out[i] = value.isoformat()
        else:
            out[i] = str(value)
    return out


def _is_text(name: str, source: ReadstatFile, values: list) -> bool:
    """Text variables, and dates (pyreadstat gives them as dates, read as YYYY-MM-DD)."""
    return name in source.text or any(isinstance(v, dt.date) for v in values)


def _column(name: str, values: list, numeric: bool) -> np.ndarray:
    if not numeric:
        return _text(values)
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            N_(
                "Variable {variable} holds numbers in its first records and something "
                "else later (dates after missing values?): give it a value in its first "
                "records or convert the file to CSV."
            ),
            variable=name,
        ) from None


def chunk_rows_for(columns: int, chunk_rows: int | None = None) -> int:
    """Records per chunk: about :data:`CHUNK_VALUES` values, at least 1,000 records."""
    if chunk_rows:
        return int(chunk_rows)
    return max(1_000, min(MAX_CHUNK_ROWS, CHUNK_VALUES // max(columns, 1)))


def convert(
    con,
    source: ReadstatFile,
    folder: Path,
    columns: list[str],
    *,
    value_labels: bool = False,
    chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Converted:
    """Write ``columns`` of the file to Parquet parts in ``folder``, one chunk at a time."""
    import pyreadstat

    folder.mkdir(parents=True, exist_ok=True)
    rows = chunk_rows_for(len(columns), chunk_rows)
    numeric: dict[str, bool] = {}
    done = parts = 0
    chunks = pyreadstat.read_file_in_chunks(
        _reader(source.kind),
        str(source.path),
        chunksize=rows,
        usecols=columns,
        output_format="dict",
    )
    try:
        for data, _meta in chunks:
            size = len(data[columns[0]]) if columns else 0
            if size == 0:
                break
            if not numeric:
                numeric = {n: not _is_text(n, source, data[n]) for n in columns}
            _write_part(con, folder, parts, {n: _column(n, data[n], numeric[n]) for n in columns})
            parts += 1
            done += size
            if progress is not None:
                progress(done, source.rows or done)
    except InputError:
        raise
    except Exception as problem:  # a damaged file stops the reader in the middle
        raise _unreadable(source.path, source.kind, problem) from None
    if parts == 0:  # no record: one empty part keeps the columns
        numeric = {n: n not in source.text for n in columns}
        empty = {n: np.array([], dtype=float if numeric[n] else object) for n in columns}
        _write_part(con, folder, 0, empty)
        parts = 1
    labels = source.labels if value_labels else {}
    select = ", ".join(column_sql(n, numeric[n], labels.get(n)) for n in columns)
    return Converted((folder / "part_*.parquet").as_posix(), rows, done, parts, select)


def _write_part(con, folder: Path, number: int, columns: dict[str, np.ndarray]) -> None:
    con.register("migstat_chunk", columns)
    target = (folder / PART.format(number)).as_posix().replace("'", "''")
    con.execute(f"COPY (SELECT * FROM migstat_chunk) TO '{target}' (FORMAT parquet)")
    con.unregister("migstat_chunk")
