"""Query results as tidy tables: CSV, XLSX and JSON, with labels in the reader's language.

Rows use SDMX column names (``REF_AREA``, ``TIME_PERIOD``, the table's dimension ids,
``OBS_VALUE``, ``OBS_STATUS``, ``CONF_STATUS``) followed by label columns (``<ID>_LABEL``) in
the chosen language. Text cells that a spreadsheet would take for a formula are neutralised
(formula injection), since comments and labels come from outside.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import Registry, TableDef, pick

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """Prefix text that would start a spreadsheet formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def columns(table: TableDef, *, labels: bool = True) -> list[str]:
    """The column order of tidy output for ``table``."""
    dims = ["REF_AREA", "TIME_PERIOD", *table.dimension_ids]
    cols = ["TABLE", "DATA_PROVIDER", *dims, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS",
            "COMMENT", "SYNTHETIC", "SUBMISSION", "RECORDED_AT"]
    if labels:
        cols += ["REF_AREA_LABEL", *(f"{d}_LABEL" for d in table.dimension_ids),
                 "OBS_STATUS_LABEL"]
    return cols


def label_rows(rows: Iterable[Any], table: TableDef, registry: Registry,
               lang: str) -> list[dict[str, Any]]:
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
        row.update({
            "OBS_VALUE": value,
            "OBS_STATUS": r.obs_status,
            "CONF_STATUS": r.conf_status,
            "COMMENT": r.comment,
            "SYNTHETIC": bool(r.synthetic),
            "SUBMISSION": r.submission_id,
            "RECORDED_AT": r.recorded_at.isoformat() if r.recorded_at else None,
            "REF_AREA_LABEL": areas.label(r.ref_area, lang),
        })
        for i, dim in enumerate(table.dimension_ids):
            row[f"{dim}_LABEL"] = lab(i, r.key[i])
        row["OBS_STATUS_LABEL"] = obs_status.label(r.obs_status, lang)
        out.append(row)
    return out


def write_csv(rows: Sequence[dict[str, Any]], cols: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_text(row.get(c)) for c in cols])
    return buffer.getvalue()


def write_json(rows: Sequence[dict[str, Any]], table: TableDef, lang: str,
               meta: dict[str, Any] | None = None) -> str:
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


def write_xlsx(path: Path | io.BytesIO, rows: Sequence[dict[str, Any]], cols: Sequence[str],
               table: TableDef, lang: str, meta: dict[str, Any] | None = None) -> None:
    """A workbook with the data and a metadata sheet saying what the numbers are."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    data = wb.create_sheet(gettext_(N_("Data"), lang)[:31])
    bold = Font(bold=True)
    header = []
    for c in cols:
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
    facts.append((gettext_(N_("Flags"), lang), gettext_(N_(
        "OBS_STATUS: A normal, E estimated, P provisional, L/O not available; "
        "CONF_STATUS: F free, C confidential. SYNTHETIC = TRUE marks generated demo data, "
        "not official statistics."), lang)))
    for k, v in facts:
        info.append([safe_text(k), safe_text(v)])
    wb.save(path)
