"""The microdata file as a DuckDB relation: CSV (plain or gzip) and Parquet, read out of core.

DuckDB streams the file: nothing is loaded whole, and the connection's memory limit (spilling
to a temporary folder beyond it) bounds what a run can take, whatever the file's size. CSV
is read with every column as text, so a national code such as ``043`` keeps its leading zero
and a value is seen as written; Parquet keeps its types and is cast to text where a code is
needed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from migstat.i18n import N_
from migstat.microdata.readstat import (
    KIND_NAMES,
    READSTAT_SUFFIXES,
    Converted,
    ReadstatFile,
    convert,
    read_header,
)
from migstat.model import InputError, Location

DEFAULT_MEMORY_LIMIT = "2GB"
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
VALUE = "migstat_value"
ROW = "migstat_record"
"""Column names of :func:`first_record` (unlike any of a microdata file)."""


def ident(name: str) -> str:
    """A column name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A text quoted for SQL."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def connection(
    memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection in memory with a memory limit, spilling beyond it to a folder of
    its own that is removed with everything in it when the connection closes."""
    spill = tempfile.mkdtemp(prefix="migstat-duckdb-")
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute(f"SET memory_limit = {literal(memory_limit)}")
        except duckdb.Error:
            raise InputError(
                N_("The memory limit {limit} is not a size such as 2GB or 500MB."),
                limit=memory_limit,
            ) from None
        # DuckDB tracks a query's progress (read by the command's own bar), printing nothing
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        con.execute(f"SET temp_directory = {literal(spill)}")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


@dataclass(slots=True)
class Source:
    """One microdata file: its kind, its columns and the SQL that reads it (an SPSS or Stata
    file once converted to Parquet parts, :mod:`migstat.microdata.readstat`)."""

    path: Path
    kind: str
    columns: list[str]
    header: ReadstatFile | None = None
    converted: Converted | None = None
    view: str | None = None
    """The view another engine registered the file as (:mod:`migstat.microdata.spark`)."""

    @property
    def name(self) -> str:
        return self.path.name

    def scan(self, *, row_numbers: bool = False) -> str:
        """The table function reading the file (with ``file_row_number`` for Parquet)."""
        if self.view is not None:
            return self.view
        if self.converted is not None:
            extra = ", file_row_number = true, filename = true" if row_numbers else ""
            keep = ", file_row_number, filename" if row_numbers else ""
            return (
                f"(SELECT {self.converted.select}{keep} FROM "
                f"read_parquet({literal(self.converted.glob)}{extra}))"
            )
        path = literal(str(self.path))
        if self.kind == "parquet":
            extra = ", file_row_number = true" if row_numbers else ""
            return f"read_parquet({path}{extra})"
        return f"read_csv({path}, all_varchar = true, header = true)"

    def record_number(self) -> str:
        """SQL for the number (from 1) of a record of :meth:`scan` with row numbers."""
        if self.converted is None:
            return "file_row_number + 1"
        part = "CAST(regexp_extract(filename, 'part_([0-9]+)', 1) AS BIGINT)"
        return f"{part} * {self.converted.chunk_rows} + file_row_number + 1"

    def where(self, variable: str | None = None, row: int | None = None) -> Location:
        """A place in the file: CSV records are on line ``row + 1`` (the header is line 1)."""
        line = row + 1 if row is not None and self.kind == "csv" else None
        return Location(file=self.name, line=line, column=variable)


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if path.suffix.lower() in READSTAT_SUFFIXES:
        return READSTAT_SUFFIXES[path.suffix.lower()]
    raise InputError(
        N_(
            "{file} is not CSV (.csv, .csv.gz), Parquet (.parquet), SPSS (.sav, .zsav) or "
            "Stata (.dta): convert it to one of these first."
        ),
        where=Location(file=path.name),
        file=path.name,
    )


def unreadable(source: Source, problem: Exception) -> InputError:
    """The error for a file DuckDB cannot read (its message names the line of a CSV file)."""
    return InputError(
        N_("The file cannot be read as {kind}: {problem}"),
        where=Location(file=source.name),
        kind=KIND_NAMES.get(source.kind, source.kind.upper()),
        problem=str(problem).splitlines()[0],
    )


def open_source(con, path: str | Path) -> Source:
    """The file's kind and columns, read from its header or schema."""
    path = Path(path)
    if not path.is_file():
        raise InputError(N_("File not found: {file}"), file=str(path))
    kind = kind_of(path)
    source = Source(path=path, kind=kind, columns=[])
    if kind in KIND_NAMES:
        source.header = read_header(path, kind)
        source.columns = list(source.header.columns)
        return source
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source.scan()}").fetchall()
    except duckdb.Error as problem:
        raise unreadable(source, problem) from None
    source.columns = [row[0] for row in described]
    return source


def materialise(
    con,
    source: Source,
    columns: list[str],
    *,
    value_labels: bool = False,
    chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Convert an SPSS or Stata file's ``columns`` to Parquet parts in the connection's
    temporary folder (removed with it); CSV and Parquet are read as they are."""
    if source.header is None or source.converted is not None:
        return
    spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    source.converted = convert(
        con,
        source.header,
        Path(spill) / "converted",
        list(dict.fromkeys(columns)),
        value_labels=value_labels,
        chunk_rows=chunk_rows,
        progress=progress,
    )


def first_record(con, source: Source, expr: str, condition: str) -> tuple[int, str] | None:
    """The number (from 1) and the text of ``expr`` of the first record where ``condition``
    (SQL over the file's columns and :data:`VALUE`, the value of ``expr``) holds; ``None``
    when no record does.

    An error path only, to name the record: Parquet gives each row's number itself; a CSV
    file is read on one thread, where DuckDB keeps the order of the file. Another engine's
    run asks its DuckDB connection (``fallback``), which reads the file itself.
    """
    if getattr(con, "fallback", None) is not None:
        con, source = con.fallback, replace(source, view=None)
    if source.kind != "csv":
        number = source.record_number()
        sql = (
            f"SELECT {number} AS {ROW}, CAST({VALUE} AS VARCHAR) FROM (SELECT *, "
            f"{expr} AS {VALUE} FROM {source.scan(row_numbers=True)}) WHERE {condition} "
            f"ORDER BY {ROW} LIMIT 1"
        )
        found = con.execute(sql).fetchone()
    else:
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        con.execute("SET threads = 1")
        try:
            sql = (
                f"SELECT {ROW}, CAST({VALUE} AS VARCHAR) FROM (SELECT *, row_number() OVER () "
                f"AS {ROW}, {expr} AS {VALUE} FROM {source.scan()}) WHERE {condition} "
                f"ORDER BY {ROW} LIMIT 1"
            )
            found = con.execute(sql).fetchone()
        finally:
            con.execute(f"SET threads = {int(threads)}")
    return (int(found[0]), found[1]) if found else None
