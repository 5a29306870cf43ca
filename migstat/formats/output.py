"""Query results as tidy tables: CSV, XLSX and JSON, with labels in the reader's language; and
the one registry of output formats (:data:`OUTPUT_FORMATS`: name -> media type, file suffix,
writer) that the web's downloads, the command line and the analysis outputs choose from.

Rows use SDMX column names (``REF_AREA``, ``TIME_PERIOD``, the table's dimension ids,
``OBS_VALUE``, ``OBS_STATUS``, ``CONF_STATUS``, ``COMMENT``, a survey estimate's ``STD_ERROR``,
``COEF_VAR``, ``CI_LEVEL``, ``CI_LOWER``, ``CI_UPPER`` and ``RELIABILITY``) followed by label
columns (``<ID>_LABEL``) in the chosen language. Text cells that a spreadsheet would take for
a formula are neutralised (formula injection), since comments and labels come from outside.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migstat.formats.neutral import neutralise
from migstat.i18n import N_, gettext_
from migstat.model import Registry, TableDef, pick
from migstat.model.precision import ATTRIBUTES as PRECISION
from migstat.model.precision import Precision

Sheets = dict[str, tuple[Sequence[dict[str, Any]], Sequence[str]]]
"""Further tables of an output by name: their rows and columns (XLSX sheets, JSON members)."""
TableWriter = Callable[..., bytes]
"""``writer(rows, columns, *, lang, title, metadata, sheets) -> bytes``: see
:func:`write_table`."""


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """One way to write a result out: the name people choose it by, the media type a web
    answer carries, the file name's suffix, the name shown on a download link, whether it is
    binary (so it needs a file, never the terminal) and the writer of a tidy table, if it
    has one (see :func:`write_table`)."""

    name: str
    media_type: str
    suffix: str
    title: str
    binary: bool = False
    table_writer: TableWriter | None = None

    def file_name(self, stem: str) -> str:
        """``stem`` with this format's suffix."""
        return f"{stem}.{self.suffix}"


safe_text = neutralise
"""Prefix text that would start a spreadsheet formula with an apostrophe (see
:mod:`migstat.formats.neutral`)."""


def columns(table: TableDef, *, labels: bool = True) -> list[str]:
    """The column order of tidy output for ``table``."""
    dims = ["REF_AREA", "TIME_PERIOD", *table.dimension_ids]
    cols = [
        "TABLE",
        "DATA_PROVIDER",
        *dims,
        "OBS_VALUE",
        "OBS_STATUS",
        "CONF_STATUS",
        "COMMENT",
        *PRECISION,
        "SYNTHETIC",
        "SUBMISSION",
        "RECORDED_AT",
    ]
    if labels:
        cols += ["REF_AREA_LABEL", *(f"{d}_LABEL" for d in table.dimension_ids), "OBS_STATUS_LABEL"]
    return cols


_NO_PRECISION = dict.fromkeys(PRECISION)


def _precision(found: Precision | None) -> dict[str, Any]:
    """A survey estimate's precision attributes by name (``None`` where absent)."""
    if found is None:
        return _NO_PRECISION
    return dict(zip(PRECISION, found.row(), strict=True))


def label_rows(
    rows: Iterable[Any], table: TableDef, registry: Registry, lang: str
) -> list[dict[str, Any]]:
    """Stored observations as dicts with codes, values, flags and labels in ``lang``."""
    areas = registry.areas
    cls = [registry.codelist(d.codelist) for d in table.dimensions]
    obs_status = registry.codelist("OBS_STATUS")
    out: list[dict[str, Any]] = []
    label_cache: dict[tuple[int, str], str] = {}

    def lab(i: int, code: str) -> str:
        hit = label_cache.get((i, code))
        if hit is None:
            hit = label_cache[(i, code)] = cls[i].label(code, lang)
        return hit

    for r in rows:
        value = r.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        row: dict[str, Any] = {
            "TABLE": r.table,
            "DATA_PROVIDER": r.provider,
            "REF_AREA": r.ref_area,
            "TIME_PERIOD": r.time_period,
        }
        for i, dim in enumerate(table.dimension_ids):
            row[dim] = r.key[i]
        row.update(
            {
                "OBS_VALUE": value,
                "OBS_STATUS": r.obs_status,
                "CONF_STATUS": r.conf_status,
                "COMMENT": r.comment,
                **_precision(getattr(r, "precision", None)),
                "SYNTHETIC": bool(r.synthetic),
                "SUBMISSION": r.submission_id,
                "RECORDED_AT": r.recorded_at.isoformat() if r.recorded_at else None,
                "REF_AREA_LABEL": areas.label(r.ref_area, lang),
            }
        )
        for i, dim in enumerate(table.dimension_ids):
            row[f"{dim}_LABEL"] = lab(i, r.key[i])
        row["OBS_STATUS_LABEL"] = obs_status.label(r.obs_status, lang)
        out.append(row)
    return out


def write_csv(rows: Sequence[dict[str, Any]], cols: Sequence[str], separator: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=separator)
    writer.writerow(cols)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_text(row.get(c)) for c in cols])
    return buffer.getvalue()


def write_json(
    rows: Sequence[dict[str, Any]], table: TableDef, lang: str, meta: dict[str, Any] | None = None
) -> str:
    doc = {
        "table": {
            "id": table.id,
            "title": pick(table.title, lang),
            "kind": str(table.kind),
            "unit": pick(table.unit, lang),
            "universe": pick(table.universe, lang),
            "dimensions": ["REF_AREA", "TIME_PERIOD", *table.dimension_ids],
        },
        "language": lang,
        **(meta or {}),
        "count": len(rows),
        "observations": list(rows),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def write_xlsx(
    path: Path | io.BytesIO,
    rows: Sequence[dict[str, Any]],
    cols: Sequence[str],
    table: TableDef,
    lang: str,
    meta: dict[str, Any] | None = None,
    titles: Sequence[str] | None = None,
) -> None:
    """A workbook with the data and a metadata sheet saying what the numbers are; the header
    row has ``titles`` when given (one per column), else the column codes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    data = wb.create_sheet(gettext_(N_("Data"), lang)[:31])
    bold = Font(bold=True)
    header = []
    for c in titles or cols:
        cell = WriteOnlyCell(data, value=c)
        cell.font = bold
        header.append(cell)
    data.append(header)
    for row in rows:
        data.append([safe_text(row.get(c)) for c in cols])
    info = wb.create_sheet(gettext_(N_("Metadata"), lang)[:31])
    facts = [
        (gettext_(N_("Table"), lang), f"{table.id}: {pick(table.title, lang)}"),
        (gettext_(N_("Unit"), lang), pick(table.unit, lang)),
        (gettext_(N_("Universe"), lang), pick(table.universe, lang)),
        (gettext_(N_("Definition"), lang), pick(table.description, lang)),
        (gettext_(N_("Rows"), lang), len(rows)),
    ]
    for k, v in (meta or {}).items():
        facts.append((k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v))
    facts.append(
        (
            gettext_(N_("Flags"), lang),
            gettext_(
                N_(
                    "OBS_STATUS: A normal, E estimated, P provisional, L/O not available; "
                    "CONF_STATUS: F free, C confidential. SYNTHETIC = TRUE marks generated demo "
                    "data, not official statistics."
                ),
                lang,
            ),
        )
    )
    for k, v in facts:
        info.append([safe_text(k), safe_text(v)])
    wb.save(path)


# -- tidy tables with a metadata part (mirror statistics, estimates) ---------------------------


def _table_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], **_: Any) -> bytes:
    return write_csv(rows, columns).encode("utf-8")


def _table_json(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    lang: str,
    title: str,
    metadata: dict[str, Any],
    sheets: Sheets,
) -> bytes:
    doc: dict[str, Any] = {
        "title": title,
        "language": lang,
        "metadata": metadata,
        "count": len(rows),
        "rows": list(rows),
    }
    for name, (extra, _cols) in sheets.items():
        doc[name] = list(extra)
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def _table_xlsx(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    lang: str,
    title: str,
    metadata: dict[str, Any],
    sheets: Sheets,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    tables = {gettext_(N_("Data"), lang): (rows, columns), **sheets}
    for name, (body, cols) in tables.items():
        sheet = wb.create_sheet(name[:31])
        sheet.append([_styled(WriteOnlyCell(sheet, value=c), bold) for c in cols])
        for row in body:
            sheet.append([safe_text(row.get(c)) for c in cols])
    info = wb.create_sheet(gettext_(N_("Metadata"), lang)[:31])
    info.append([safe_text(gettext_(N_("Title"), lang)), safe_text(title)])
    info.append([safe_text(gettext_(N_("Rows"), lang)), len(rows)])
    for key, value in metadata.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, default=str)
        info.append([safe_text(str(key)), safe_text(value)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _styled(cell: Any, font: Any) -> Any:
    cell.font = font
    return cell


# -- the registry -------------------------------------------------------------------------------

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_STAT = OutputFormat(
    "json-stat.json", "application/json; charset=utf-8", "json-stat.json", "JSON-stat"
)
OUTPUT_FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("csv", "text/csv; charset=utf-8", "csv", "CSV", table_writer=_table_csv),
        OutputFormat("xlsx", XLSX_MEDIA, "xlsx", "Excel", binary=True, table_writer=_table_xlsx),
        OutputFormat("json", "application/json", "json", "JSON", table_writer=_table_json),
        OutputFormat(
            "sdmx.csv",
            "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
            "sdmx.csv",
            "SDMX-CSV",
        ),
        OutputFormat(
            "sdmx.xml",
            "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
            "sdmx.xml",
            "SDMX-ML",
        ),
        JSON_STAT,
        OutputFormat("px", "text/plain; charset=utf-8", "px", "PC-Axis"),
    )
} | {"jsonstat": JSON_STAT}
"""Every output format by the name people choose it by (``jsonstat`` is another name of
``json-stat.json``)."""
TABLE_FORMATS = ("csv", "xlsx", "json")
"""The formats of tidy tables: query results on the command line, mirror statistics and
estimates everywhere."""
DOWNLOAD_FORMATS = ("csv", "xlsx", "sdmx.csv", "sdmx.xml", "json-stat.json", "jsonstat", "px")
"""The formats a view or a whole table downloads in from the portal (``/download/``)."""
DOWNLOAD_LINKS = ("csv", "xlsx", "sdmx.csv", "sdmx.xml", "json-stat.json", "px")
"""The download formats a page links to (each once)."""


def find_format(name: str, among: Sequence[str] = TABLE_FORMATS) -> OutputFormat | None:
    """The format called ``name`` if it is one of ``among``, else ``None``."""
    return OUTPUT_FORMATS[name] if name in among else None


def write_table(
    fmt: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    lang: str,
    title: str,
    metadata: dict[str, Any] | None = None,
    sheets: Sheets | None = None,
) -> bytes:
    """The rows in ``fmt`` (one of :data:`TABLE_FORMATS`) as bytes, with ``title`` and
    ``metadata`` (an XLSX sheet, a JSON member; CSV holds the rows only). ``sheets`` adds
    further tables (XLSX sheets, JSON members; CSV holds the main table only)."""
    found = OUTPUT_FORMATS.get(fmt)
    if found is None or found.table_writer is None:
        raise ValueError(f"unknown format {fmt}")
    return found.table_writer(
        rows, columns, lang=lang, title=title, metadata=metadata or {}, sheets=sheets or {}
    )
