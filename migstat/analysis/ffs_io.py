"""Reading the stock tables and the births-and-deaths file of flows from stocks, and writing
the estimated origin-destination table.

Layouts (those of the published migest examples, ``shared/data/reference/ffs_demo``):

- a stock table: a header ``pob\\por,A,B,...`` (the first cell is free text), then one row per
  place of birth ``A,1000,100,...``; rows and columns name the same areas. A last row and/or
  column named ``Sum``, ``Total`` or ``_T`` is taken as totals: it is checked against the cells
  (within the tolerance) and dropped;
- births and deaths: ``region,births,deaths`` with one row per area (any order);
- the estimate: ``orig\\dest,A,B,...`` and one row per origin, no totals.

UTF-8 (with or without BOM), separator comma, semicolon or tab. Every problem names the file
and the line (and column) in English and Russian.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from migstat.formats.csvbase import decode, first_line, rows, sniff_separator
from migstat.formats.neutral import neutral_row
from migstat.formats.notation import parse_number
from migstat.i18n import N_
from migstat.model import InputError, Location

TOTAL_NAMES = frozenset({"sum", "total", "_t", "всего", "итого"})


@dataclass(frozen=True, slots=True)
class StockTable:
    """A birthplace x residence table read from a file."""

    codes: tuple[str, ...]
    values: np.ndarray
    file_name: str


def _name(source: bytes | str | Path, file_name: str | None, default: str) -> str:
    if file_name:
        return file_name
    return default if isinstance(source, bytes) else Path(source).name


def _records(source: bytes | str | Path, file_name: str) -> list[tuple[int, list[str]]]:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text = decode(data, file_name=file_name)
    found = list(rows(text, sniff_separator(first_line(text)), file_name))
    if len(found) < 2:
        raise InputError(
            N_("The file has no table: a header line and at least one row are needed."),
            where=Location(file=file_name),
        )
    return [(line, [f.strip() for f in fields]) for line, fields in found]


def _value(text: str, file_name: str, line: int, column: str) -> float:
    where = Location(file=file_name, line=line, column=column)
    if not text:
        raise InputError(
            N_("The cell is empty: the method needs every number (write 0 for nobody)."),
            where=where,
        )
    value = parse_number(text)
    if value is None:
        if text == "-":
            return 0.0
        raise InputError(N_("{text} is not a number."), where=where, text=text)
    if value < 0:
        raise InputError(
            N_(
                "The number {value} is negative: stocks, births and deaths are "
                "counts of people. Correct the file."
            ),
            where=where,
            value=value,
        )
    return value


def _is_total(code: str) -> bool:
    return code.strip().casefold() in TOTAL_NAMES


def read_stock_table(
    source: bytes | str | Path, *, file_name: str | None = None, tolerance: float = 1e-3
) -> StockTable:
    """A place-of-birth (rows) x place-of-residence (columns) stock table."""
    name = _name(source, file_name, "stocks.csv")
    records = _records(source, name)
    header_line, header = records[0]
    columns = header[1:]
    total_col = bool(columns) and _is_total(columns[-1])
    if total_col:
        columns = columns[:-1]
    _unique(columns, name, header_line)
    body: list[tuple[int, str, list[float]]] = []
    total_row: tuple[int, list[float]] | None = None
    for line, fields in records[1:]:
        if len(fields) != len(header):
            raise InputError(
                N_("The line has {found} fields; the header has {expected}."),
                where=Location(file=name, line=line),
                found=len(fields),
                expected=len(header),
            )
        values = [
            _value(text, name, line, head)
            for text, head in zip(fields[1:], header[1:], strict=True)
        ]
        if _is_total(fields[0]):
            total_row = (line, values)
            continue
        if total_row is not None:
            raise InputError(
                N_("The totals row must be the last row."),
                where=Location(file=name, line=total_row[0]),
            )
        body.append((line, fields[0], values))
    codes = [code for _, code, _ in body]
    _unique(codes, name, None, [line for line, _, _ in body])
    if sorted(codes) != sorted(columns):
        missing = sorted(set(codes) ^ set(columns))
        raise InputError(
            N_(
                "The rows (places of birth) and columns (places of residence) must "
                "name the same areas; they differ in {codes}."
            ),
            where=Location(file=name, line=header_line),
            codes=", ".join(missing),
        )
    order = [columns.index(code) for code in codes]
    matrix = np.array([values[: len(columns)] for _, _, values in body], dtype=float)
    if total_col:
        for line, code, values in body:
            _check_total(sum(values[:-1]), values[-1], name, line, header[-1], tolerance, code)
    if total_row is not None:
        line, values = total_row
        sums = matrix.sum(axis=0)
        for j, head in enumerate(columns):
            _check_total(float(sums[j]), values[j], name, line, head, tolerance, head)
        if total_col:
            _check_total(
                float(matrix.sum()), values[-1], name, line, header[-1], tolerance, header[-1]
            )
    return StockTable(tuple(codes), matrix[:, order], name)


def _unique(codes: list[str], name: str, line: int | None, lines: list[int] | None = None) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        where = Location(file=name, line=lines[i] if lines else line)
        if not code:
            raise InputError(N_("An area code is missing."), where=where)
        if code in seen:
            raise InputError(N_("The area {code} is listed twice."), where=where, code=code)
        seen.add(code)


def _check_total(
    cells: float, total: float, name: str, line: int, column: str, tolerance: float, label: str
) -> None:
    if abs(cells - total) > max(tolerance, 1e-9 * abs(total)):
        raise InputError(
            N_(
                "The total {total} of {label} does not equal the sum of its cells "
                "({cells}). Correct the total or the cells."
            ),
            where=Location(file=name, line=line, column=column),
            total=total,
            label=label,
            cells=round(cells, 6),
        )


def read_births_deaths(
    source: bytes | str | Path, codes: tuple[str, ...], *, file_name: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Births and deaths over the period by area (``region,births,deaths``), in ``codes``
    order; every area of the stock tables must be there, and no other."""
    name = _name(source, file_name, "births_deaths.csv")
    records = _records(source, name)
    header_line, header = records[0]
    lowered = [h.casefold() for h in header]
    for needed in ("births", "deaths"):
        if needed not in lowered:
            raise InputError(
                N_("The column {column} is missing: the header must be region,births,deaths."),
                where=Location(file=name, line=header_line),
                column=needed,
            )
    ib, id_ = lowered.index("births"), lowered.index("deaths")
    found: dict[str, tuple[float, float]] = {}
    for line, fields in records[1:]:
        if len(fields) != len(header):
            raise InputError(
                N_("The line has {found} fields; the header has {expected}."),
                where=Location(file=name, line=line),
                found=len(fields),
                expected=len(header),
            )
        code = fields[0]
        if code in found:
            raise InputError(
                N_("The area {code} is listed twice."),
                where=Location(file=name, line=line),
                code=code,
            )
        if code not in codes:
            raise InputError(
                N_("The area {code} is not in the stock tables."),
                where=Location(file=name, line=line),
                code=code,
            )
        found[code] = (
            _value(fields[ib], name, line, header[ib]),
            _value(fields[id_], name, line, header[id_]),
        )
    missing = [c for c in codes if c not in found]
    if missing:
        raise InputError(
            N_("Births and deaths are missing for {codes}."),
            where=Location(file=name),
            codes=", ".join(missing),
        )
    births = np.array([found[c][0] for c in codes])
    deaths = np.array([found[c][1] for c in codes])
    return births, deaths


def same_areas(start: StockTable, end: StockTable) -> np.ndarray:
    """The end table's values in the start table's area order; both must list the same areas."""
    if set(start.codes) != set(end.codes):
        differ = sorted(set(start.codes) ^ set(end.codes))
        raise InputError(
            N_(
                "The start table ({start}) and the end table ({end}) must list the "
                "same areas; they differ in {codes}."
            ),
            where=Location(file=end.file_name),
            start=start.file_name,
            end=end.file_name,
            codes=", ".join(differ),
        )
    order = [end.codes.index(c) for c in start.codes]
    return end.values[np.ix_(order, order)]


def write_matrix(rows_: list[list[str]]) -> str:
    """CSV text of a table given as rows of strings."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(neutral_row(r) for r in rows_)
    return buffer.getvalue()
