"""UN DESA Population Division, International Migrant Stock.

Two layouts are read:

* the origin-destination matrix as CSV (``Year,Dest,<origin names>``; one record per
  destination and year): table S01 by country of birth, one observation per cell;
* the official workbook ``UN_MigrantStockTotal_<edition>.xlsx``, sheet ``Table 1``: the
  migrant stock by destination and sex (M49 codes in a ``Code`` column, two-row headers):
  table S01 with the country of birth ``FOR`` (all foreign countries);
* the same workbook's ``Table 2``, total population at mid-year by sex, only when table
  ``P01`` is asked for (``migstat import FILE --table P01``). A table of its own, so that
  importing it never supersedes the S01 breakdown by country of birth. Published in
  thousands (three decimals); stored in persons, each observation's comment saying so.

Mapping decisions:

* Estimates refer to mid-year: ``TIME_PERIOD`` is ``<year>-07-01``.
* ``..`` (not available) is an empty value flagged ``L``; ``-`` (nil) is 0.
* The matrix counts international migrants only. Its diagonal (origin = destination) is 0
  by construction and does not mean that no native-born persons live there, so those cells
  are skipped (noted as an info finding) rather than stored as a count of the native-born.
* A migrant stock total is the number of *foreign-born* persons, so it is stored under
  ``FOR``, not ``_T`` (which in S01 is the whole population); option ``total_code``.
* Regional and other aggregates (World, SDG regions, income groups, Caribbean, Micronesia
  (the region) ...) are listed in :data:`UN_AGGREGATES` and skipped with an info finding.
  Any other name must resolve through the AREA aliases or it is reported as unmatched.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migstat.formats.notation import parse_count
from migstat.i18n import N_
from migstat.model.codelists import CodeList
from migstat.model.data import Dataset, Location, Observation, Provenance, TableMetadata
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.common import (
    CsvFile,
    file_sha256,
    header_fields,
    key_for,
    paused_gc,
    sheet_rows,
)
from migstat.sources.names import UN_AGGREGATES, NameReport, is_aggregate
from migstat.sources.skipped import Places

NAME = "undesa"
PROVIDER = "UN_DESA"
TABLE = "S01"
POPULATION_TABLE = "P01"
"""Total population by sex, from the workbook's ``Table 2`` (only when asked for)."""
URL = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
RULE_AGGREGATE = "IMPORT_AGGREGATE_SKIPPED"
RULE_DIAGONAL = "IMPORT_DIAGONAL_SKIPPED"
NOT_AVAILABLE = ("..", "\u2026", "...")
NIL = ("-", "\u2013", "\u2014")

_AGGREGATE_CODES = {c for c in UN_AGGREGATES.values() if c} | {
    "1830",  # LATIN AMERICA AND THE CARIBBEAN as an SDG region
    "917",  # EUROPE as part of the SDG region Europe and Northern America
    "918",  # NORTHERN AMERICA, likewise
}


def sniff(path: Path, head: bytes) -> bool:
    """A UN DESA matrix CSV (``Year`` and ``Dest`` columns) or the migrant stock workbook."""
    if head.startswith(b"PK\x03\x04"):
        return _is_stock_workbook(path)
    fields = [f.casefold() for f in header_fields(head)]
    return "year" in fields and "dest" in fields and len(fields) > 10


def _is_stock_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                return False
            book = zf.read("xl/workbook.xml").decode("utf-8", errors="ignore")
            strings = (
                zf.read("xl/sharedStrings.xml").decode("utf-8", errors="ignore")
                if "xl/sharedStrings.xml" in names
                else ""
            )
    except (OSError, zipfile.BadZipFile, KeyError):
        return False
    return (
        'name="Table 1"' in book
        and "International migrant stock" in strings
        and "Population Division" in strings
    )


def read(path: Path, *, registry: Registry, table: str | None = None, **options: Any) -> Dataset:
    """The file as a dataset: the matrix CSV and the workbook's ``Table 1`` as S01; with
    ``table="P01"`` the workbook's ``Table 2`` (total population) and nothing else."""
    path = Path(path)
    wanted = registry.table(table).id if table else None
    workbook = path.suffix.lower() in (".xlsx", ".xlsm")
    if wanted == POPULATION_TABLE:
        if not workbook:
            raise InputError(
                N_(
                    "The UN DESA matrix CSV holds no total population (table "
                    "P01); import the workbook's Table 2 instead."
                ),
                where=Location(file=path.name),
            )
        return read_population(path, registry=registry, **options)
    if workbook:
        return read_workbook(path, registry=registry, **options)
    return read_csv(path, registry=registry, **options)


def _provenance(edition: str, sha256: str, what: str) -> Provenance:
    return Provenance(
        publisher="UN DESA Population Division",
        dataset="International Migrant Stock",
        edition=edition,
        url=URL,
        licence="CC BY 3.0 IGO",
        notes=f"{what}; mid-year estimates; SHA-256 {sha256}",
    )


def _metadata(dataset: Dataset, periods: list[str], notes: str) -> None:
    dataset.metadata.tables[TABLE] = TableMetadata(
        table=TABLE,
        source_type="estimate",
        reference_date=(
            f"{min(periods)}/{max(periods)}"
            if len(set(periods)) > 1
            else (periods[0] if periods else None)
        ),
        population_covered="international migrants (foreign-born; foreign citizens where "
        "birthplace data are lacking)",
        origin_concept="BIRTH",
        notes=notes,
    )


def _edition_from_name(name: str, default: str) -> str:
    for token in name.replace("-", "_").replace(".", "_").split("_"):
        if len(token) == 4 and token.isdigit() and token.startswith(("19", "20")):
            return token
    return default


def read_csv(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    """The origin-destination matrix CSV as S01 observations (one per published cell)."""
    with paused_gc():
        return _read_csv(path, registry=registry, allow_unmatched=allow_unmatched, edition=edition)


def _read_csv(
    path: Path, *, registry: Registry, allow_unmatched: bool, edition: str | None
) -> Dataset:
    src = CsvFile(path)
    name = src.name
    table = registry.table(TABLE)
    year_col = src.column("Year")
    dest_col = src.column("Dest", "Destination")
    report = NameReport(file=name, registry=registry)
    skipped = Places()
    origins = _origins(src, table, (year_col, dest_col), report, skipped)
    observations: list[Observation] = []
    append = observations.append
    periods: set[str] = set()
    diagonal = 0
    width = len(src.header)
    for line, row in src.records():
        if len(row) < width:
            row = row + [""] * (width - len(row))
        dest_name = row[dest_col].strip()
        year = row[year_col].strip()
        if not (len(year) == 4 and year.isdigit()):
            raise InputError(
                N_("Year {value} is not a four-digit year."),
                where=Location(file=name, line=line, column=src.header[year_col]),
                value=year,
            )
        if is_aggregate(dest_name):
            skipped.add(dest_name, Location(file=name, line=line))
            continue
        dest = report.resolve(dest_name, Location(file=name, line=line))
        if dest is None:
            continue
        period = f"{year}-07-01"
        periods.add(period)
        for j, code, key, header in origins:
            if code == dest:
                diagonal += 1
                continue
            text = row[j].strip()
            where = Location(file=name, line=line, column=header)
            if text.isdigit():
                value, status = int(text), "A"
            else:
                value, status = _cell_value(text, "A", where, blank=None)
            append(Observation(TABLE, dest, period, key, value, status, where=where))

    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        provenance=_provenance(
            edition or _edition_from_name(name, "2019"),
            src.sha256,
            "origin-destination matrix (CSV)",
        ),
    )
    _metadata(
        dataset,
        sorted(periods),
        "UN DESA International Migrant Stock, origin-destination matrix; "
        "mid-year (1 July) estimates; '..' not available (flag L), '-' nil (0)",
    )
    report.settle(dataset, allow_unmatched)
    _note_skipped(dataset, skipped)
    if diagonal:
        dataset.findings.append(
            Finding(
                rule=RULE_DIAGONAL,
                severity=Severity.INFO,
                message=N_(
                    "{count} diagonal cells (origin = destination) skipped: the matrix "
                    "counts international migrants only."
                ),
                params={"count": diagonal},
                table=TABLE,
                where=Location(file=name),
            )
        )
    return dataset


def _origins(
    src: CsvFile, table: TableDef, skip: tuple[int, ...], report: NameReport, skipped: Places
) -> list[tuple[int, str, tuple[str, ...], str]]:
    """The matrix's origin columns ``(index, code, key, header)``, resolved once; aggregates
    and unmatched names drop their column."""
    origins = []
    for j, header in enumerate(src.header):
        if j in skip or not header:
            continue
        where = Location(file=src.name, line=1, column=header)
        if is_aggregate(header):
            skipped.add(header, where)
            continue
        code = report.resolve(header, where)
        if code is not None:
            origins.append((j, code, key_for(table, {"COUNTRY_BIRTH": code}), header))
    return origins


def _note_skipped(dataset: Dataset, skipped: Places, table: str = TABLE) -> None:
    dataset.findings.extend(
        skipped.each(
            rule=RULE_AGGREGATE,
            severity=Severity.INFO,
            table=table,
            message=N_(
                "Aggregate \u201c{name}\u201d is not a country or area: {count} rows "
                "or columns skipped."
            ),
            params=lambda name, count: {"name": name, "count": count},
        )
    )


# -- the official workbook ---------------------------------------------------------------

SEX_BLOCKS = (("both sexes", "_T"), ("male", "M"), ("female", "F"))
CODE_HEADERS = frozenset({"code", "country code", "location code"})
"""The M49 code column: ``Code`` (2017, 2019), ``Country code`` (2015), ``Location code``
(2020)."""
NAME_HEADERS = (
    "major area, region, country or area",
    "region, development group, country",
    "region, country or area",
)
"""The area name column (2015-2019 say "... of destination", 2020 does not)."""
_EDITION = re.compile(
    r"International Migrant Stock(?: Total)?\s+(\d{4})|"
    r"MigrantStockTotal_(\d{4})|_(\d{4})_ims_|Stock/Rev\.(\d{4})",
    re.I,
)


def _stated_edition(rows: list[tuple[Any, ...]]) -> str | None:
    """The revision the title rows name (``International Migrant Stock 2019`` ...)."""
    for row in rows:
        for cell in row:
            match = _EDITION.search(cell) if isinstance(cell, str) else None
            if match:
                return next(g for g in match.groups() if g)
    return None


def _is_code(cell: Any) -> bool:
    return isinstance(cell, str) and " ".join(cell.split()).casefold() in CODE_HEADERS


@dataclass(frozen=True, slots=True)
class _Header:
    """Where a workbook table's header is and what its columns hold."""

    row: int
    """Index of the header row; the years are in the row below."""
    code_col: int
    name_col: int
    columns: list[tuple[int, str, str]]
    """(column index, SEX code, year) of every value column."""
    edition: str | None


def _header(
    rows: list[tuple[Any, ...]], name: str, sheet: str, sex_of: Callable[[str], str | None]
) -> _Header:
    """The header of a workbook table: a ``Code`` column, merged top cells naming the sex
    block (``sex_of`` reads their text) and the years in the row below."""
    head_row = next((i for i, r in enumerate(rows) if r and any(_is_code(c) for c in r)), None)
    if head_row is None or head_row + 1 >= len(rows):
        raise InputError(
            N_("No header row with a Code column in sheet {sheet}."),
            where=Location(file=name, sheet=sheet),
            sheet=sheet,
        )
    top, years_row = rows[head_row], rows[head_row + 1]
    code_col = next(j for j, c in enumerate(top) if _is_code(c))
    name_col = next(
        (
            j
            for j, c in enumerate(top)
            if isinstance(c, str) and c.casefold().startswith(NAME_HEADERS)
        ),
        code_col - 2,
    )
    columns: list[tuple[int, str, str]] = []
    block_sex: str | None = None
    for j, cell in enumerate(top):
        if isinstance(cell, str):
            block_sex = sex_of(cell.casefold())
        year = years_row[j] if j < len(years_row) else None
        if block_sex and isinstance(year, (int, float)) and 1900 < int(year) < 2100:
            columns.append((j, block_sex, str(int(year))))
    if not columns:
        raise InputError(
            N_("No year columns found under the header of sheet {sheet}."),
            where=Location(file=name, sheet=sheet),
            sheet=sheet,
        )
    return _Header(head_row, code_col, name_col, columns, _stated_edition(rows[:head_row]))


def _cell_value(
    text: Any, status: str, where: Location, *, blank: str | None = "O"
) -> tuple[int | float | None, str]:
    """A published cell as (value, OBS_STATUS): ``..`` not available, ``-`` nil, blank
    missing (``blank``; ``None``: a blank cell is an error, as in the matrix CSV)."""
    if isinstance(text, str) and text.strip() in NOT_AVAILABLE:
        return None, "L"
    if isinstance(text, str) and text.strip() in NIL:
        return 0, status
    if (text is None or text == "") and blank is not None:
        return None, blank
    value = parse_count(text)
    if value is None:
        raise InputError(
            N_("Cell {value} is neither a number nor a UN symbol (.. or -)."),
            where=where,
            value=text,
        )
    return value, status


def read_workbook(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    sheet: str = "Table 1",
    total_code: str = "FOR",
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    """``Table 1`` of the migrant stock workbook: totals by destination and sex."""
    from openpyxl.utils import get_column_letter

    path = Path(path)
    name = path.name
    _title, rows = sheet_rows(path, sheet)
    table = registry.table(TABLE)
    areas = registry.areas
    header = _header(
        rows,
        name,
        sheet,
        lambda folded: next((code for label, code in SEX_BLOCKS if f"({label})" in folded), None),
    )
    head_row, code_col, name_col = header.row, header.code_col, header.name_col
    columns, stated = header.columns, header.edition
    top = rows[head_row]
    type_col = next(
        (
            j
            for j, c in enumerate(top)
            if isinstance(c, str) and c.casefold().startswith("type of data")
        ),
        None,
    )

    report = NameReport(file=name, registry=registry)
    skipped = Places()
    observations: list[Observation] = []
    periods: set[str] = set()
    for i in range(head_row + 2, len(rows)):
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
                m49 in _AGGREGATE_CODES
                or is_aggregate(label)
                or (code is not None and areas[code].attributes.get("kind") != "country")
            ):
                skipped.add(label or m49, where)
                continue
            if code is None:
                report.add(f"{label} ({m49})", where)
                continue
        kind_of_data = str(row[type_col]).strip() if type_col is not None and row[type_col] else ""
        status = "A"
        if "I" in kind_of_data.split():
            status = "I"  # no data for any date: imputed by UN DESA
        elif "C" in kind_of_data.split():
            status = "D"  # foreign citizens instead of foreign-born
        comment = f"UN DESA type of data: {kind_of_data}" if kind_of_data else None
        for j, sex, year in columns:
            cell = Location(file=name, sheet=sheet, cell=f"{get_column_letter(j + 1)}{excel_row}")
            value, obs_status = _cell_value(row[j] if j < len(row) else None, status, cell)
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
        provenance=_provenance(
            edition or stated or _edition_from_name(name, "2019"),
            file_sha256(path),
            f"workbook, sheet {sheet} (migrant stock by sex)",
        ),
    )
    _metadata(
        dataset,
        sorted(periods),
        f"UN DESA International Migrant Stock workbook, {sheet}: international migrant "
        f"stock at mid-year by sex, stored under country of birth {total_code}; type of "
        "data in the comment (B foreign-born, C foreign citizens -> flag D, R refugees "
        "added, I imputed -> flag I)",
    )
    report.settle(dataset, allow_unmatched)
    _note_skipped(dataset, skipped)
    return dataset


# -- Table 2: total population -------------------------------------------------------------

POPULATION_SHEET = "Table 2"
POPULATION_BLOCKS = (("both sexes", "_T"), ("female", "F"), ("male", "M"))
"""Top header text -> SEX (``female`` before ``male``, which it contains)."""
IN_THOUSANDS = "published in thousands"


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
    header = _header(
        rows,
        name,
        sheet,
        lambda folded: (
            next((code for label, code in POPULATION_BLOCKS if label in folded), None)
            if "population" in folded
            else None
        ),
    )
    report = NameReport(file=name, registry=registry)
    skipped = Places()
    observations: list[Observation] = []
    periods: set[str] = set()
    comment = f"UN DESA, {IN_THOUSANDS}"
    for i in range(header.row + 2, len(rows)):
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
        code = _population_area(areas, m49)
        if code is None:
            if m49 in _AGGREGATE_CODES or is_aggregate(label):
                skipped.add(label or m49, where)
            else:
                report.add(f"{label} ({m49})", where)
            continue
        for j, sex, year in header.columns:
            cell = Location(file=name, sheet=sheet, cell=f"{get_column_letter(j + 1)}{i + 1}")
            value, status = _cell_value(row[j] if j < len(row) else None, "A", cell)
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
        provenance=_provenance(
            edition or header.edition or _edition_from_name(name, "2019"),
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
    _note_skipped(dataset, skipped, POPULATION_TABLE)
    return dataset


def _population_area(areas: CodeList, m49: str) -> str | None:
    """The AREA code of a country row of Table 2; ``None`` for the world, regions and other
    groups (a reference area must be a country; UN DESA's world total is exactly the sum of
    its countries) and for unknown codes."""
    if not m49.isdigit() or m49 in _AGGREGATE_CODES:
        return None
    code = areas.resolve(m49.zfill(3))
    return code if code is not None and areas[code].attributes.get("kind") == "country" else None
