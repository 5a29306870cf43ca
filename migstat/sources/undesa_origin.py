"""UN DESA's migrant stock by destination and origin, as the workbook publishes it.

Two layouts, told apart by their words (:mod:`migstat.sources.undesa_layout`):

* the wide matrix of the 2015-2019 revisions (``UN_MigrantStockByOriginAndDestination_<rev>``):
  one destination a row, one origin a column under a cell saying ``Country of origin``; the
  year at the end of the sheet's title (``..., 2015``; one sheet a year and sex) or in a
  ``Year`` column (all years in one sheet); the sex in the title (``Total``, ``Male``,
  ``Female migrant stock ...``);
* the long matrix of the 2020 and 2024 revisions (``..._stock_by_sex_destination_and_origin``):
  one destination-origin pair a row, with a code column for each, and the years in blocks by
  sex (``(both sexes)``, ``(males)``, ``(females)``).

Every matrix sheet of the workbook is read, as table S01 by country of birth and sex. The
origin ``Total`` (or ``World`` in the long matrix) is stored under ``FOR``, the foreign-born
of all origins. Mapping decisions as for the matrix CSV (:mod:`migstat.sources.undesa`):
mid-year periods, ``..`` flag L, ``-`` nil, aggregates skipped and listed, the diagonal
skipped; a blank cell of the matrix is no estimate at all and is not stored (counted in an
info finding). The type of data (B, C, R, I) of the destination flags every cell of its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.common import file_sha256, key_for
from migstat.sources.names import NameReport, is_aggregate
from migstat.sources.skipped import Places
from migstat.sources.undesa_common import (
    AGGREGATE_CODES,
    NAME,
    PROVIDER,
    TABLE,
    cell_value,
    diagonal_finding,
    edition_from_name,
    mark_breakdown,
    note_skipped,
    provenance,
    stock_metadata,
    type_of_data,
)
from migstat.sources.undesa_layout import TOTAL_WORDS, SheetLayout, find_layout, folded, year_of
from migstat.sources.undesa_workbook import country_of_m49, stated_edition

RULE_BLANK = "IMPORT_BLANK_SKIPPED"
TOTAL_ORIGIN = "FOR"
WORLD_M49 = "900"


def _column(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _m49(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


@dataclass
class _Reading:
    """What reading the matrix sheets gathers."""

    name: str
    table: TableDef
    registry: Registry
    report: NameReport
    skipped: Places = field(default_factory=Places)
    observations: list[Observation] = field(default_factory=list)
    periods: set[str] = field(default_factory=set)
    sheets: list[str] = field(default_factory=list)
    diagonal: int = 0
    blank: int = 0
    edition: str | None = None
    keys: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def key(self, origin: str, sex: str) -> tuple[str, ...]:
        key = self.keys.get((origin, sex))
        if key is None:
            key = self.keys[(origin, sex)] = key_for(
                self.table, {"COUNTRY_BIRTH": origin, "SEX": sex}
            )
        return key

    def destination(self, row: tuple[Any, ...], lay: SheetLayout, where: Location) -> str | None:
        """The destination of a figure row (a country), or ``None`` (skipped or unmatched)."""
        raw = row[lay.code_col] if lay.code_col < len(row) else None
        label = str(row[lay.name_col] or "").strip() if lay.name_col < len(row) else ""
        if raw in (None, ""):
            if label and is_aggregate(label):
                self.skipped.add(label)  # a heading without a code
            return None
        m49 = _m49(raw)
        code = country_of_m49(self.registry.areas, m49)
        if code is None:
            if m49 in AGGREGATE_CODES or is_aggregate(label) or not m49.isdigit():
                self.skipped.add(label or m49, where)
            else:
                self.report.add(f"{label} ({m49})", where)
        return code

    def add(
        self, dest: str, origin: str, sex: str, year: str, text: Any, kind: str, where: Location
    ) -> None:
        if origin == dest:
            self.diagonal += 1
            return
        if text is None or (isinstance(text, str) and not text.strip()):
            self.blank += 1
            return
        status, comment = type_of_data(kind)
        value, obs_status = cell_value(text, status, where)
        period = f"{year}-07-01"
        self.periods.add(period)
        self.observations.append(
            Observation(
                TABLE,
                dest,
                period,
                self.key(origin, sex),
                value,
                obs_status,
                comment=comment,
                where=where,
            )
        )


def matrix_layouts(sheets: list[tuple[str, list[tuple[Any, ...]]]]) -> list[tuple[str, Any]]:
    """The sheets of a workbook that hold a matrix by destination and origin."""
    found = []
    for title, rows in sheets:
        lay = find_layout(rows)
        if lay is not None and lay.family in ("matrix", "long matrix"):
            found.append((title, lay))
    return found


def read_origin_workbook(
    path: Path,
    sheets: list[tuple[str, list[tuple[Any, ...]]]],
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    """Every matrix sheet of the workbook as S01 by country of birth and sex."""
    path = Path(path)
    name = path.name
    rows_of = dict(sheets)
    reading = _Reading(
        name=name,
        table=registry.table(TABLE),
        registry=registry,
        report=NameReport(file=name, registry=registry),
    )
    for sheet, lay in matrix_layouts(sheets):
        rows = rows_of[sheet]
        reading.edition = reading.edition or stated_edition(rows[: lay.head_row])
        reading.sheets.append(sheet)
        if lay.family == "long matrix":
            _read_long(reading, sheet, rows, lay)
        else:
            _read_wide(reading, sheet, rows, lay)
    if not reading.sheets:
        raise InputError(
            N_(
                "No sheet of this workbook holds a migrant stock by destination and origin "
                "(a Code column and a Country of origin heading, or codes of destination "
                "and origin); the sheets are: {sheets}."
            ),
            where=Location(file=name),
            sheets=", ".join(title for title, _rows in sheets),
        )
    return _dataset(path, reading, edition, allow_unmatched)


def _read_wide(
    reading: _Reading, sheet: str, rows: list[tuple[Any, ...]], lay: SheetLayout
) -> None:
    name = reading.name
    sex = lay.title_sex()
    fixed_year = lay.title_year() if lay.year_col is None else None
    if lay.year_col is None and fixed_year is None:
        raise InputError(
            N_(
                "Sheet {sheet} holds a matrix by origin but says no year: neither a Year "
                "column nor a title ending in the year (\u201c..., 2015\u201d)."
            ),
            where=Location(file=name, sheet=sheet),
            sheet=sheet,
        )
    origins = _origins(reading, sheet, lay)
    for i in range(lay.first_row, len(rows)):
        row = rows[i]
        where = Location(file=name, sheet=sheet, cell=f"{_column(lay.code_col)}{i + 1}")
        if not row:
            continue
        dest = reading.destination(row, lay, where)
        if dest is None:
            continue
        year = fixed_year or _row_year(row, lay, where)
        kind = row[lay.type_col] if lay.type_col is not None and lay.type_col < len(row) else None
        for j, origin in origins:
            text = row[j] if j < len(row) else None
            reading.add(
                dest,
                origin,
                sex,
                year,
                text,
                kind,
                Location(file=name, sheet=sheet, cell=f"{_column(j)}{i + 1}"),
            )


def _row_year(row: tuple[Any, ...], lay: SheetLayout, where: Location) -> str:
    at = lay.year_col
    text = row[at] if at is not None and at < len(row) else None
    year = year_of(text)
    if year is None:
        raise InputError(N_("Year {value} is not a four-digit year."), where=where, value=text)
    return str(year)


def _origins(reading: _Reading, sheet: str, lay: SheetLayout) -> list[tuple[int, str]]:
    """The origin columns as (column, AREA code); the total over origins as ``FOR``;
    aggregates and residuals (``Other North``) skipped, unmatched names reported."""
    origins = []
    head = lay.first_row  # the row of the names is the one above the first figures
    for j, label in lay.origin_columns:
        where = Location(file=reading.name, sheet=sheet, cell=f"{_column(j)}{head}")
        if folded(label) in TOTAL_WORDS:
            origins.append((j, TOTAL_ORIGIN))
        elif is_aggregate(label):
            reading.skipped.add(label, where)
        else:
            code = reading.report.resolve(label, where)
            if code is not None:
                origins.append((j, code))
    return origins


def _read_long(
    reading: _Reading, sheet: str, rows: list[tuple[Any, ...]], lay: SheetLayout
) -> None:
    name = reading.name
    at = lay.origin_code_col
    assert at is not None  # the long layout has it
    for i in range(lay.first_row, len(rows)):
        row = rows[i]
        if not row or at >= len(row) or row[at] in (None, ""):
            continue
        where = Location(file=name, sheet=sheet, cell=f"{_column(lay.code_col)}{i + 1}")
        dest = reading.destination(row, lay, where)
        if dest is None:
            continue
        origin = _long_origin(
            reading, row, at, Location(file=name, sheet=sheet, cell=f"{_column(at)}{i + 1}")
        )
        if origin is None:
            continue
        kind = row[lay.type_col] if lay.type_col is not None and lay.type_col < len(row) else None
        for j, sex, year in lay.year_columns:
            text = row[j] if j < len(row) else None
            cell = Location(file=name, sheet=sheet, cell=f"{_column(j)}{i + 1}")
            reading.add(dest, origin, sex, year, text, kind, cell)


def _long_origin(reading: _Reading, row: tuple[Any, ...], at: int, where: Location) -> str | None:
    m49 = _m49(row[at])
    if m49 == WORLD_M49:
        return TOTAL_ORIGIN
    code = country_of_m49(reading.registry.areas, m49)
    if code is None:
        label = str(row[at - 1] or "").strip() if at > 0 else ""
        if m49 in AGGREGATE_CODES or is_aggregate(label) or not m49.isdigit():
            reading.skipped.add(label or m49, where)
        else:
            reading.report.add(f"{label} ({m49})", where)
    return code


def _dataset(path: Path, reading: _Reading, edition: str | None, allow_unmatched: bool) -> Dataset:
    name = reading.name
    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=reading.observations,
        synthetic=False,
        provenance=provenance(
            edition or reading.edition or edition_from_name(name, "2019"),
            file_sha256(path),
            f"workbook by destination and origin, sheets {', '.join(reading.sheets)}",
        ),
    )
    stock_metadata(
        dataset,
        sorted(reading.periods),
        "UN DESA International Migrant Stock by destination and origin (workbook); mid-year "
        "(1 July) estimates by country of birth and sex, the total over origins under FOR; "
        "'..' not available (flag L), '-' nil (0); blank cells (no estimate) not stored; "
        "type of data in the comment (C foreign citizens -> flag D, I imputed -> flag I)",
    )
    reading.report.settle(dataset, allow_unmatched)
    note_skipped(dataset, reading.skipped)
    mark_breakdown(dataset, TABLE, reading.table.dimension_ids)
    where = Location(file=name)
    if reading.diagonal:
        dataset.findings.append(diagonal_finding(reading.diagonal, where))
    if reading.blank:
        dataset.findings.append(
            Finding(
                rule=RULE_BLANK,
                severity=Severity.INFO,
                message=N_(
                    "{count} blank cells of the matrix (no estimate for that origin) were "
                    "not stored."
                ),
                params={"count": reading.blank},
                table=TABLE,
                where=where,
            )
        )
    return dataset
