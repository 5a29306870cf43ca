"""UN DESA Population Division, International Migrant Stock.

Two layouts are read (the workbook's by :mod:`migstat.sources.undesa_workbook`, what both
share in :mod:`migstat.sources.undesa_common`):

* the origin-destination matrix as CSV (``Year,Dest,<origin names>``; one record per
  destination and year): table S01 by country of birth, one observation per cell;
* the official workbook ``UN_MigrantStockTotal_<edition>.xlsx``, sheet ``Table 1``: the
  migrant stock by destination and sex (M49 codes in a ``Code`` column, two-row headers):
  table S01 with the country of birth ``FOR`` (all foreign countries);
* the workbook by destination and origin (every revision's layout) by
  :mod:`migstat.sources.undesa_origin`: S01 by country of birth and sex;
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
  (the region) ...) are listed in :data:`~migstat.sources.names.UN_AGGREGATES` and skipped
  with an info finding.
  Any other name must resolve through the AREA aliases or it is reported as unmatched.
"""

from __future__ import annotations

import html
import zipfile
from pathlib import Path
from typing import Any

from migstat.formats.questionnaire.xlsx import ZIP_DAMAGE
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import InputError
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.common import CsvFile, header_fields, key_for, paused_gc
from migstat.sources.names import NameReport, is_aggregate
from migstat.sources.skipped import Places
from migstat.sources.undesa_common import (
    NAME,
    POPULATION_TABLE,
    PROVIDER,
    TABLE,
    cell_value,
    diagonal_finding,
    edition_from_name,
    mark_breakdown,
    note_skipped,
    provenance,
    stock_metadata,
)
from migstat.sources.undesa_origin import matrix_layouts, read_origin_workbook
from migstat.sources.undesa_workbook import read_population, read_workbook, workbook_sheets


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
            strings = _strings(zf, names)
    except (*ZIP_DAMAGE, ValueError, KeyError):
        return False
    return _is_stock_text(html.unescape(book), html.unescape(strings))


SNIFF_BYTES = 1 << 20


def _strings(zf: zipfile.ZipFile, names: set[str]) -> str:
    """The workbook's shared strings, or (a workbook written with inline strings) the
    beginning of its first sheets: at most a few MiB read."""
    if "xl/sharedStrings.xml" in names:
        with zf.open("xl/sharedStrings.xml") as handle:
            return handle.read(4 * SNIFF_BYTES).decode("utf-8", errors="ignore")
    parts = []
    for name in sorted(n for n in names if n.startswith("xl/worksheets/sheet"))[:4]:
        with zf.open(name) as handle:
            parts.append(handle.read(SNIFF_BYTES).decode("utf-8", errors="ignore"))
    return "".join(parts)


STOCK_WORDS = ("international migrant stock", "международн")
DIVISION_WORDS = ("population division", "отдел народонаселения")


def _is_stock_text(book: str, strings: str) -> bool:
    """UN DESA's words in a workbook's shared strings (English or Russian), and a sheet
    called ``Table …`` (``Таблица …``)."""
    text = strings.casefold()
    return (
        ('name="Table ' in book or 'name="Таблица' in book)
        and any(w in text for w in STOCK_WORDS)
        and any(w in text for w in DIVISION_WORDS)
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
        sheets = workbook_sheets(path)
        if matrix_layouts(sheets):
            return read_origin_workbook(path, sheets, registry=registry, **options)
        return read_workbook(path, registry=registry, sheets=sheets, **options)
    return read_csv(path, registry=registry, **options)


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
        if not (len(year) == 4 and (year.isascii() and year.isdigit())):
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
            if text.isascii() and text.isdigit():
                value, status = int(text), "A"
            else:
                value, status = cell_value(text, "A", where, blank=None)
            append(Observation(TABLE, dest, period, key, value, status, where=where))

    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=PROVIDER,
        observations=observations,
        synthetic=False,
        provenance=provenance(
            edition or edition_from_name(name, "2019"),
            src.sha256,
            "origin-destination matrix (CSV)",
        ),
    )
    stock_metadata(
        dataset,
        sorted(periods),
        "UN DESA International Migrant Stock, origin-destination matrix; "
        "mid-year (1 July) estimates; '..' not available (flag L), '-' nil (0)",
    )
    report.settle(dataset, allow_unmatched)
    note_skipped(dataset, skipped)
    mark_breakdown(dataset, TABLE, table.dimension_ids)
    if diagonal:
        dataset.findings.append(diagonal_finding(diagonal, Location(file=name)))
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
