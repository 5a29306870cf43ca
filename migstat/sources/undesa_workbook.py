"""UN DESA's International Migrant Stock workbook, ``UN_MigrantStockTotal_<edition>.xlsx``.

``Table 1`` (migrant stock by destination and sex) is read as S01 under country of birth
``FOR``; ``Table 2`` (total population at mid-year by sex, in thousands) as P01, only when
asked for. The editions differ in their header texts and rows (2015 to 2024): the header, the
years and the sex blocks are found by their words (:mod:`migstat.sources.undesa_layout`); the
mapping decisions are those of :mod:`migstat.sources.undesa`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migstat.i18n import N_
from migstat.model.codelists import CodeList
from migstat.model.data import Dataset, Location, Observation, TableMetadata
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.sources.common import _all_rows as sheet_rows_of
from migstat.sources.common import file_sha256, key_for, sheet_rows
from migstat.sources.names import NameReport, is_aggregate
from migstat.sources.skipped import Places
from migstat.sources.undesa_common import (
    AGGREGATE_CODES,
    NAME,
    POPULATION_TABLE,
    PROVIDER,
    TABLE,
    cell_value,
    edition_from_name,
    mark_breakdown,
    note_skipped,
    provenance,
    stock_metadata,
    type_of_data,
)
from migstat.sources.undesa_layout import find_layout

_EDITION = re.compile(
    r"International Migrant Stock(?: Total)?\s+(\d{4})|"
    r"MigrantStockTotal_(\d{4})|_(\d{4})_ims_|Stock/Rev\.(\d{4})",
    re.I,
)


def stated_edition(rows: list[tuple[Any, ...]]) -> str | None:
    """The revision the title rows name (``International Migrant Stock 2019`` ...)."""
    for row in rows:
        for cell in row:
            match = _EDITION.search(cell) if isinstance(cell, str) else None
            if match:
                return next(g for g in match.groups() if g)
    return None


MAX_SHEET_CELLS = 5_000_000
"""A bound on what one workbook may hold (UN DESA's largest, the 2019 matrix by origin
with every year and sex, has about 1.7 million cells)."""


def workbook_sheets(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every sheet's title and rows, the workbook opened once (read-only)."""
    import openpyxl

    name = Path(path).name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(
            N_("Not a readable Excel workbook: {error}"), where=Location(file=name), error=str(exc)
        ) from exc
    out: list[tuple[str, list[tuple[Any, ...]]]] = []
    cells = 0
    try:
        for ws in wb.worksheets:
            rows = sheet_rows_of(ws, name)
            cells += sum(len(r) for r in rows)
            if cells > MAX_SHEET_CELLS:
                raise InputError(
                    N_(
                        "The workbook holds more than {limit} cells (sheet {sheet}); a UN DESA "
                        "migrant stock workbook holds fewer. Import its sheets one by one."
                    ),
                    where=Location(file=name, sheet=ws.title),
                    limit=MAX_SHEET_CELLS,
                    sheet=ws.title,
                )
            out.append((ws.title, rows))
    finally:
        wb.close()
    return out


def _rows_of(
    path: Path, sheet: str, sheets: list[tuple[str, list[tuple[Any, ...]]]] | None
) -> list[tuple[Any, ...]]:
    """The rows of ``sheet``: from the sheets already read, else from the file."""
    if sheets is not None:
        found = dict(sheets)
        if sheet in found:
            return found[sheet]
    return sheet_rows(path, sheet)[1]


@dataclass(frozen=True, slots=True)
class _Header:
    """Where a workbook table's header is and what its columns hold."""

    row: int
    """Index of the header row (the one with the code column)."""
    first_row: int
    """Index of the first row of figures."""
    code_col: int
    name_col: int
    type_col: int | None
    columns: list[tuple[int, str, str]]
    """(column index, SEX code, year) of every value column."""
    edition: str | None


def _header(rows: list[tuple[Any, ...]], name: str, sheet: str) -> _Header:
    """The header of a table by year, found by its words (:func:`find_layout`): the code
    column, the years in its row or the next, the sex of each block of years above them."""
    lay = find_layout(rows)
    if lay is None:
        raise InputError(
            N_("No header row with a Code column in sheet {sheet}."),
            where=Location(file=name, sheet=sheet),
            sheet=sheet,
        )
    if not lay.year_columns:
        raise InputError(
            N_("No year columns found under the header of sheet {sheet}."),
            where=Location(file=name, sheet=sheet),
            sheet=sheet,
        )
    return _Header(
        lay.head_row,
        lay.first_row,
        lay.code_col,
        lay.name_col,
        lay.type_col,
        lay.year_columns,
        stated_edition(rows[: lay.head_row]),
    )


def read_workbook(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    sheet: str = "Table 1",
    total_code: str = "FOR",
    edition: str | None = None,
    sheets: list[tuple[str, list[tuple[Any, ...]]]] | None = None,
    **_: Any,
) -> Dataset:
    """``Table 1`` of the migrant stock workbook: totals by destination and sex (from
    ``sheets`` when the workbook was already read, :func:`workbook_sheets`)."""
    from openpyxl.utils import get_column_letter

    path = Path(path)
    name = path.name
    rows = _rows_of(path, sheet, sheets)
    table = registry.table(TABLE)
    areas = registry.areas
    header = _header(rows, name, sheet)
    code_col, name_col = header.code_col, header.name_col
    columns, stated, type_col = header.columns, header.edition, header.type_col

    report = NameReport(file=name, registry=registry)
    skipped = Places()
    observations: list[Observation] = []
    periods: set[str] = set()
    for i in range(header.first_row, len(rows)):
        row = rows[i]
        if not row or code_col >= len(row) or row[code_col] in (None, ""):
            label = row[name_col] if row and name_col < len(row) else None
            if isinstance(label, str) and label.strip() and is_aggregate(label):
                skipped.add(label.strip())  # a heading without a code
            continue
        excel_row = i + 1
        label = str(row[name_col] or "").strip()
        raw_code = row[code_col]
        m49 = str(int(raw_code)) if isinstance(raw_code, (int, float)) else str(raw_code).strip()
        where = Location(
            file=name, sheet=sheet, cell=f"{get_column_letter(code_col + 1)}{excel_row}"
        )
        code = areas.resolve(m49.zfill(3)) if m49.isdigit() else None
        if code is None or areas[code].attributes.get("kind") != "country":
            if (
                m49 in AGGREGATE_CODES
                or is_aggregate(label)
                or (code is not None and areas[code].attributes.get("kind") != "country")
            ):
                skipped.add(label or m49, where)
                continue
            if code is None:
                report.add(f"{label} ({m49})", where)
                continue
        status, comment = type_of_data(row[type_col] if type_col is not None else None)
        for j, sex, year in columns:
            cell = Location(file=name, sheet=sheet, cell=f"{get_column_letter(j + 1)}{excel_row}")
            value, obs_status = cell_value(row[j] if j < len(row) else None, status, cell)
            period = f"{year}-07-01"
            periods.add(period)
            observations.append(
                Observation(
                    TABLE,
                    code,
                    period,
                    key_for(table, {"COUNTRY_BIRTH": total_code, "SEX": sex}),
                    value,
                    obs_status,
                    comment=comment,
                    where=cell,
                )
            )

    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        provenance=provenance(
            edition or stated or edition_from_name(name, "2019"),
            file_sha256(path),
            f"workbook, sheet {sheet} (migrant stock by sex)",
        ),
    )
    stock_metadata(
        dataset,
        sorted(periods),
        f"UN DESA International Migrant Stock workbook, {sheet}: international migrant "
        f"stock at mid-year by sex, stored under country of birth {total_code}; type of "
        "data in the comment (B foreign-born, C foreign citizens -> flag D, R refugees "
        "added, I imputed -> flag I)",
    )
    report.settle(dataset, allow_unmatched)
    note_skipped(dataset, skipped)
    mark_breakdown(dataset, TABLE, table.dimension_ids)
    return dataset


# -- Table 2: total population -------------------------------------------------------------

POPULATION_SHEET = "Table 2"
IN_THOUSANDS = "published in thousands"
PUBLISHED_IN_THOUSANDS = N_("UN DESA, published in thousands")
"""The comment of every P01 value (stored in English, shown in the page's language)."""


def read_population(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    sheet: str = POPULATION_SHEET,
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    """``Table 2`` of the migrant stock workbook as P01: total population at mid-year by sex.

    The sheet gives thousands with three decimals; values are stored in persons
    (thousands x 1000, rounded to whole persons), which is the published precision and no
    more: the comment of every observation says they were published in thousands.
    """
    from openpyxl.utils import get_column_letter

    path = Path(path)
    name = path.name
    _title, rows = sheet_rows(path, sheet)
    table = registry.table(POPULATION_TABLE)
    areas = registry.areas
    header = _header(rows, name, sheet)
    report = NameReport(file=name, registry=registry)
    skipped = Places()
    observations: list[Observation] = []
    periods: set[str] = set()
    comment = PUBLISHED_IN_THOUSANDS
    for i in range(header.first_row, len(rows)):
        row = rows[i]
        raw_code = row[header.code_col] if row and header.code_col < len(row) else None
        label = str(row[header.name_col] or "").strip() if row else ""
        if raw_code in (None, ""):
            if label and is_aggregate(label):
                skipped.add(label)  # a heading without a code
            continue
        m49 = str(int(raw_code)) if isinstance(raw_code, (int, float)) else str(raw_code).strip()
        where = Location(
            file=name, sheet=sheet, cell=f"{get_column_letter(header.code_col + 1)}{i + 1}"
        )
        code = country_of_m49(areas, m49)
        if code is None:
            if m49 in AGGREGATE_CODES or is_aggregate(label):
                skipped.add(label or m49, where)
            else:
                report.add(f"{label} ({m49})", where)
            continue
        for j, sex, year in header.columns:
            cell = Location(file=name, sheet=sheet, cell=f"{get_column_letter(j + 1)}{i + 1}")
            value, status = cell_value(row[j] if j < len(row) else None, "A", cell)
            if value is not None:
                value = round(value * 1000)
            period = f"{year}-07-01"
            periods.add(period)
            observations.append(
                Observation(
                    POPULATION_TABLE,
                    code,
                    period,
                    key_for(table, {"SEX": sex}),
                    value,
                    status,
                    comment=comment,
                    where=cell,
                )
            )

    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        provenance=provenance(
            edition or header.edition or edition_from_name(name, "2019"),
            file_sha256(path),
            f"workbook, sheet {sheet} (total population by sex, {IN_THOUSANDS})",
        ),
    )
    ordered = sorted(periods)
    dataset.metadata.tables[POPULATION_TABLE] = TableMetadata(
        table=POPULATION_TABLE,
        source_type="estimate",
        reference_date=(
            f"{ordered[0]}/{ordered[-1]}" if len(ordered) > 1 else (ordered[0] if ordered else None)
        ),
        population_covered="total population",
        notes=f"UN DESA International Migrant Stock workbook, {sheet}: total population at "
        f"mid-year (1 July) by sex, {IN_THOUSANDS} (three decimals) and stored in "
        "persons; the last three digits are as published, not exact counts. By sex "
        "not available for some small areas (flag L), so aggregates of the sexes may "
        "not add up. The world and regions are skipped (a reference area is a "
        "country); the world is the sum of the countries.",
    )
    report.settle(dataset, allow_unmatched)
    note_skipped(dataset, skipped, POPULATION_TABLE)
    return dataset


def country_of_m49(areas: CodeList, m49: str) -> str | None:
    """The AREA code of a country row of Table 2; ``None`` for the world, regions and other
    groups (a reference area must be a country; UN DESA's world total is exactly the sum of
    its countries) and for unknown codes."""
    if not m49.isdigit() or m49 in AGGREGATE_CODES:
        return None
    code = areas.resolve(m49.zfill(3))
    return code if code is not None and areas[code].attributes.get("kind") == "country" else None
