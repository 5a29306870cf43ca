"""Wide origin-destination matrices: one country per row, one per column, counts in the cells.

Many offices and researchers publish flows or stocks as a square (or rectangular) matrix in
CSV, TSV or an Excel workbook. What such a file says and what the options must add:

* orientation: the corner cell (first cell of the header row) names what the rows are, then
  what the columns are: ``orig\\dest``, ``origin/destination``, ``from\\to``, ``из\\в``,
  ``откуда\\куда`` (or the other way round, ``dest\\orig``, ``в\\из``); otherwise the option
  ``rows`` (``origin`` or ``destination``);
* the table: option ``table`` (F01 immigration by previous residence and S01 stocks by birth
  take the destination as the reporting country; F02 emigration by next residence takes the
  origin);
* the year: a column named ``year`` / ``год`` right after the row labels, else option ``year``
  (a year, or a date for stock tables);
* country names in English or Russian, ISO codes (alpha-3, alpha-2, M49) in any mix, resolved
  by :func:`migstat.sources.names.resolve_country`; a total row or column (Total, Всего, World)
  is the partner total ``_T`` and is skipped as a reporting country;
* cells in the usual notation (:mod:`migstat.formats.notation`): ``1 234``, ``..``
  (not available), ``x`` (confidential), ``-`` (nil); empty cells are no observation; the
  diagonal (a country with itself) is skipped.

The separator of a text file is sniffed (``,`` ``;`` tab, or ``|``); Windows-1251 is
recognised.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from migstat.formats.notation import NotANumber, read_text
from migstat.formats.questionnaire.xlsx import ZIP_DAMAGE
from migstat.formats.text import CYRILLIC, decode_text, line_one
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation, Provenance
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.sources.common import file_sha256, paused_gc
from migstat.sources.names import NameReport
from migstat.sources.skipped import Places
from migstat.sources.tabular import (
    WORKBOOK_SUFFIXES,
    add_metadata,
    cell_at,
    default_provider,
    header_and_rows,
    period_for,
    separator,
    table_for,
)

NAME = "matrix"
PROVIDER = "MATRIX"
TABLES = ("F01", "F02", "S01", "S02", "F03", "F04")
RULE_SKIPPED = "IMPORT_MATRIX_SKIPPED"
_SPLIT = re.compile(r"\s*(?:\\|/|\u2192|->|\|)\s*")
_YEAR_HEADERS = frozenset({"year", "год", "years", "period", "период", "time_period"})


def orientation(corner: str) -> str | None:
    """``origin`` or ``destination``: what the rows are, as the corner cell says."""
    parts = [p.strip().casefold() for p in _SPLIT.split(str(corner or "").strip()) if p.strip()]
    if len(parts) != 2:
        return None
    first, second = (_side(p) for p in parts)
    if first and second and first != second:
        return first
    return None


def _side(word: str) -> str | None:
    if word.startswith(("orig", "from", "source", "откуда", "выб", "страна выбыт")) or word in (
        "из",
        "o",
    ):
        return "origin"
    if word.startswith(("dest", "to", "куда", "назнач", "приб")) or word in ("в", "во", "d"):
        return "destination"
    return None


def sniff(path: Path, head: bytes) -> bool:
    """A matrix whose corner cell states its orientation (CSV/TSV or a workbook)."""
    if head.startswith(b"PK\x03\x04"):
        return (
            path.suffix.lower() in WORKBOOK_SUFFIXES
            and orientation(_firstcell_at(path) or "") is not None
        )
    line = line_one(decode_text(head, legacy=CYRILLIC, sample=True))
    sep = separator(line)
    field = next(csv.reader([line], delimiter=sep), [""])[0] if line else ""
    return orientation(field) is not None


_A1 = re.compile(r'<c r="A1"([^>]*)>(.*?)</c>', re.S)
_VALUE = re.compile(r"<v>(.*?)</v>|<t[^>]*>(.*?)</t>", re.S)


def _firstcell_at(path: Path) -> str | None:
    """The text of cell A1 of the first sheet, read from the zip without parsing the whole
    workbook (sniffing must stay cheap for large workbooks of other publishers)."""
    import html
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            with zf.open("xl/worksheets/sheet1.xml") as handle:
                sheet = handle.read(1 << 16).decode("utf-8", errors="ignore")
            found = _A1.search(sheet)
            value = _VALUE.search(found.group(2)) if found else None
            if value is None:
                return None
            text = value.group(1) if value.group(1) is not None else value.group(2)
            if 't="s"' in found.group(1):  # type: ignore[union-attr]
                strings = zf.read("xl/sharedStrings.xml").decode("utf-8", errors="ignore")
                items = re.finditer(r"<si>(.*?)</si>", strings, re.S)
                for i, item in enumerate(items):
                    if i == int(text):
                        text = "".join(re.findall(r"<t[^>]*>(.*?)</t>", item.group(1), re.S))
                        break
            return html.unescape(text)
    except (*ZIP_DAMAGE, KeyError, ValueError):
        return None


def _rows_are(header: list[Any], rows: str | None, head_at: Location) -> str:
    """``origin`` or ``destination``: what the rows are, from ``--rows`` or the corner cell."""
    corner = str(header[0] or "").strip() if header else ""
    said = orientation(corner)
    if rows is not None:
        said = rows.strip().lower()
        if said not in ("origin", "destination"):
            raise InputError(
                N_("--rows must be origin or destination, not {value}."),
                where=Location(file=head_at.file),
                value=rows,
            )
    if said is None:
        raise InputError(
            N_(
                "The corner cell \u201c{text}\u201d does not say which way the "
                "matrix runs: write orig\\dest (or из\\в) there, or give --rows "
                "origin|destination."
            ),
            where=cell_at(head_at, 0),
            text=corner,
        )
    return said


def _partner_columns(
    header: list[Any],
    first: int,
    head_at: Location,
    report: NameReport,
    skipped: Places,
    *,
    totals: bool,
) -> list[tuple[int, str]]:
    """``(index, code)`` of the columns from ``first`` on that name a country (or, when
    ``totals``, a total such as ``_T``); other totals and aggregates are ``skipped``."""
    columns: list[tuple[int, str]] = []
    for j in range(first, len(header)):
        label = str(header[j] if header[j] is not None else "").strip()
        if not label:
            continue
        code = report.resolve(label, cell_at(head_at, j, label))
        if code is None:
            continue
        if totals or not code.startswith("_"):
            columns.append((j, code))
        else:
            skipped.add(label)
    if not columns:
        raise InputError(N_("The header row names no countries."), where=cell_at(head_at, 0))
    return columns


def _reading(cell: Any, where: Location) -> tuple[float | None, str, str] | None:
    """``(value, OBS_STATUS, CONF_STATUS)`` of a cell in the usual notation; ``None`` when it
    says nothing."""
    if isinstance(cell, bool):
        cell = str(cell)
    if isinstance(cell, int | float):
        return float(cell), "A", "F"
    try:
        reading = read_text(str(cell))
    except NotANumber:
        raise InputError(
            N_(
                "Cell \u201c{value}\u201d is not a count: expected a number, .. "
                "(not available), x (confidential) or - (nil)."
            ),
            where=where,
            value=str(cell),
        ) from None
    if reading is None:
        return None
    return reading.value, reading.obs_status, reading.conf_status


def read(
    path: Path,
    *,
    registry: Registry,
    table: str | None = None,
    year: str | int | None = None,
    rows: str | None = None,
    provider: str | None = None,
    edition: str | None = None,
    allow_unmatched: bool = False,
    sheet: str | None = None,
    source_type: str | None = None,
    residence_rule: str | None = None,
    date: str | None = None,
    duration: str | None = None,
    **_: Any,
) -> Dataset:
    """The matrix as observations of one table (see the module's docstring)."""
    with paused_gc():
        return _read(
            Path(path),
            registry=registry,
            table=table,
            year=year,
            rows=rows,
            provider=provider,
            edition=edition,
            allow_unmatched=allow_unmatched,
            sheet=sheet,
            source_type=source_type,
            residence_rule=residence_rule,
            date=date,
            duration=duration,
        )


def _read(
    path: Path,
    *,
    registry: Registry,
    table: str | None,
    year: str | int | None,
    rows: str | None,
    provider: str | None,
    edition: str | None,
    allow_unmatched: bool,
    sheet: str | None,
    source_type: str | None,
    residence_rule: str | None,
    date: str | None,
    duration: str | None,
) -> Dataset:
    name = path.name
    head_at, header, records = header_and_rows(path, sheet)
    said = _rows_are(header, rows, head_at)
    tdef = table_for(registry, table, name)
    partner = tdef.partner
    if partner is None:
        raise InputError(
            N_("Table {table} has no partner country dimension; a matrix cannot fill it."),
            where=Location(file=name),
            table=tdef.id,
        )
    ref_is_origin = partner.concept == "NEXT_RES"
    rows_are_ref = (said == "origin") == ref_is_origin

    first_data = 1
    year_col = None
    if len(header) > 1 and str(header[1] or "").strip().casefold() in _YEAR_HEADERS:
        year_col, first_data = 1, 2
    if year_col is None and year is None:
        raise InputError(
            N_("The matrix has no year column: give the year with --year."),
            where=Location(file=name),
        )
    report = NameReport(file=name, registry=registry)
    skipped_cols = Places()
    columns = _partner_columns(
        header, first_data, head_at, report, skipped_cols, totals=rows_are_ref
    )

    defaults = {
        d.id: (d.total if d.total is not None else (duration or "LT").upper())
        for d in tdef.dimensions
    }
    dims = tdef.dimension_ids
    partner_at = dims.index(partner.id)
    base = [defaults[d] for d in dims]
    fixed_period = (
        period_for(tdef, str(year), date=date, where=Location(file=name))
        if year is not None and year_col is None
        else None
    )
    observations: list[Observation] = []
    append = observations.append
    periods: set[str] = set()
    areas: set[str] = set()
    skipped_rows = Places()
    diagonal = 0
    for at, row in records:
        label = str(row[0] if row and row[0] is not None else "").strip()
        if not label:
            continue
        code = report.resolve(label, cell_at(at, 0))
        if code is None:
            continue
        if rows_are_ref and code.startswith("_"):
            skipped_rows.add(label)
            continue
        period = fixed_period or period_for(
            tdef,
            str(row[year_col] if year_col < len(row) else ""),
            date=date,  # type: ignore
            where=cell_at(at, year_col),
        )  # type: ignore[arg-type]
        for j, col_code in columns:
            cell = row[j] if j < len(row) else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            ref, other = (code, col_code) if rows_are_ref else (col_code, code)
            if ref == other:
                diagonal += 1
                continue
            if ref.startswith("_"):
                continue
            where = cell_at(at, j, header[j])
            reading = _reading(cell, where)
            if reading is None:
                continue
            value, obs_status, conf_status = reading
            key = list(base)
            key[partner_at] = other
            periods.add(period)
            areas.add(ref)
            append(
                Observation(
                    tdef.id, ref, period, tuple(key), value, obs_status, conf_status, where=where
                )
            )

    dataset = Dataset(
        file_name=name,
        format=NAME,
        provider=default_provider(provider, areas, PROVIDER),
        observations=observations,
        provenance=Provenance(
            publisher=provider or "not stated (origin-destination matrix)",
            dataset=f"origin-destination matrix {name}",
            edition=edition,
            notes=f"rows are {said}s; SHA-256 {file_sha256(path)}",
        ),
    )
    add_metadata(
        dataset,
        tdef,
        periods,
        source_type=source_type,
        residence_rule=residence_rule,
        notes=f"origin-destination matrix {name} (rows: {said})",
    )
    report.settle(dataset, allow_unmatched)
    skipped = [*skipped_rows, *skipped_cols]
    if skipped:
        dataset.findings.append(
            Finding(
                rule=RULE_SKIPPED,
                severity=Severity.INFO,
                table=tdef.id,
                where=Location(file=name),
                message=N_("Totals and aggregates are not reporting countries; skipped: {names}."),
                params={"names": ", ".join(dict.fromkeys(skipped))},
            )
        )
    if diagonal:
        dataset.findings.append(
            Finding(
                rule=RULE_SKIPPED,
                severity=Severity.INFO,
                table=tdef.id,
                where=Location(file=name),
                message=N_("{count} diagonal cells (a country with itself) skipped."),
                params={"count": diagonal},
            )
        )
    return dataset
